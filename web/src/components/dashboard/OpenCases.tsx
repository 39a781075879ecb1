// Open cases as a small matrix: one row per open state (a link to the queue filtered by it), one column per age.
import { useTranslation } from 'react-i18next';
import { CASE_AGE_BUCKETS, type Dashboard } from '../../api-types/dashboard';
import { useApp } from '../../context';
import { Panel } from './Panel';
import { RoleLink } from './RoleLink';

export function OpenCases({ cases }: { cases: Dashboard['cases'] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <Panel
      title={t('dashboard.cases.title')}
      testId="dash-cases"
      aside={
        <span className="badge" data-testid="dash-cases-open">
          {t('dashboard.cases.total', { total: fmt.number(cases.open) })}
        </span>
      }
      manage={{ href: '/cases', label: t('dashboard.cases.all') }}
    >
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('dashboard.cases.columns.state')}</th>
              {CASE_AGE_BUCKETS.map((b) => (
                <th scope="col" className="num" key={b}>
                  {t(`dashboard.cases.ages.${b}`)}
                </th>
              ))}
              <th scope="col" className="num">
                {t('dashboard.cases.columns.total')}
              </th>
            </tr>
          </thead>
          <tbody>
            {cases.byState.map((row) => (
              <tr key={row.state} data-testid={`dash-cases-${row.state}`}>
                <th scope="row">
                  <RoleLink href={`/cases?state=${row.state}`}>{t(`dashboard.cases.states.${row.state}`)}</RoleLink>
                </th>
                {CASE_AGE_BUCKETS.map((b) => (
                  <td className="num" key={b} data-testid={`dash-cases-${row.state}-${b}`}>
                    {fmt.number(row.byAge[b])}
                  </td>
                ))}
                <td className="num" data-testid={`dash-cases-${row.state}-total`}>
                  {fmt.number(row.total)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('dashboard.cases.byAge')}</th>
              {CASE_AGE_BUCKETS.map((b) => (
                <td className="num" key={b} data-testid={`dash-cases-age-${b}`}>
                  {fmt.number(cases.byAge[b])}
                </td>
              ))}
              <td className="num">{fmt.number(cases.open)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </Panel>
  );
}

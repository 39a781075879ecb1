// One row per sighting: when it was last seen (in the operator's zone), where, which client reached which indicator,
// what the indicator is listed for, how often, and whether the point blocked it or only watched. A client attributed to
// a subscriber links to that subscriber's cases.
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import type { Formatters } from '../format';
import { categoryLabel, pointLabel } from '../sighting-terms';
import type { Sighting } from '../types';
import { Link } from './Link';
import { Time } from './Time';

/** "12 / 12 blocked", or "monitored" when the point let every one through (monitor mode, or a point that only logs). */
function Blocked({ sighting, t, fmt }: { sighting: Sighting; t: TFunction; fmt: Formatters }) {
  if (sighting.blockedCount === 0) {
    return <span className="badge badge-monitored">{t('sightings.monitored')}</span>;
  }
  const all = sighting.blockedCount >= sighting.count;
  return (
    <span className={`badge ${all ? 'badge-blocked' : 'badge-partly-blocked'}`}>
      {t('sightings.blocked', { blocked: fmt.number(sighting.blockedCount), count: fmt.number(sighting.count) })}
    </span>
  );
}

export function SightingsTable({ sightings, loading }: { sightings: Sighting[]; loading: boolean }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <div className="table-wrap">
      <table className={`table${loading ? ' table-loading' : ''}`} data-testid="sightings-table">
        <thead>
          <tr>
            <th>{t('sightings.columns.lastSeen')}</th>
            <th>{t('sightings.columns.point')}</th>
            <th>{t('sightings.columns.client')}</th>
            <th>{t('sightings.columns.indicator')}</th>
            <th>{t('sightings.columns.categories')}</th>
            <th className="num">{t('sightings.columns.count')}</th>
            <th>{t('sightings.columns.blocked')}</th>
            <th>{t('sightings.columns.input')}</th>
            <th>{t('sightings.columns.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {sightings.map((s) => (
            <tr key={s.id} data-testid="sighting-row">
              <td title={t('sightings.firstSeen', { time: fmt.dateTime(s.firstSeen) })}>
                <Time value={s.lastSeen} />
              </td>
              <td data-testid="sighting-point">{pointLabel(s.point, t)}</td>
              <td className="mono" data-testid="sighting-client">
                {s.client}
                {s.subscriber && (
                  <Link
                    className="block small"
                    href={`/cases?subscriber=${encodeURIComponent(s.subscriber)}`}
                    title={t('cases.openCasesOf', { subscriber: s.subscriber })}
                    data-testid="sighting-cases"
                  >
                    {t('cases.openCases', { subscriber: s.subscriber })}
                  </Link>
                )}
              </td>
              <td className="wrap">
                <span className="mono" data-testid="sighting-indicator">
                  {s.indicatorValue}
                </span>
                <span className="indicator-type">{s.indicatorType}</span>
              </td>
              <td>
                <span className="tag-list">
                  {s.categories.map((c) => (
                    <span key={c} className="badge badge-category">
                      {categoryLabel(c, t)}
                    </span>
                  ))}
                </span>
              </td>
              <td className="num">{fmt.number(s.count)}</td>
              <td data-testid="sighting-blocked">
                <Blocked sighting={s} t={t} fmt={fmt} />
              </td>
              <td className="mono">{s.input}</td>
              <td className="wrap small">{s.detail ?? t('common.none')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// Indicators: search the claims by value (starts with, or exactly), open one to see every source's claim, the allowlist
// that suppresses it and where it is enforced; below, the console allowlist, which analysts and administrators edit.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ConsoleAllowlist } from '../components/ConsoleAllowlist';
import { ErrorMessage } from '../components/ErrorMessage';
import { IndicatorDetail, typeLabel } from '../components/IndicatorDetail';
import { KeysetPager } from '../components/KeysetPager';
import { Time } from '../components/Time';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { categoryLabel } from '../sighting-terms';
import type { Role } from '../types';
import type { IndicatorMatch, IndicatorRef, IndicatorSearchPage, IndicatorType } from '../api-types/intel';
import '../styles/intel.css';

/** Roles with system.operate on the server (src/domain/roles.ts): they may change the allowlist. */
const OPERATOR_ROLES: readonly Role[] = ['analyst', 'admin'];
const TYPES: readonly IndicatorType[] = [
  'domain',
  'ipv4',
  'ipv6',
  'cidr',
  'ip-port',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
];
const PAGE = 25;

interface Query {
  q: string;
  match: 'prefix' | 'exact';
  type: IndicatorType | '';
}

function searchPath(query: Query, after: string | undefined): string {
  const params = new URLSearchParams({ q: query.q, match: query.match, limit: String(PAGE) });
  if (query.type) params.set('type', query.type);
  if (after) params.set('after', after);
  return `/api/intel/indicators?${params}`;
}

function MatchStatus({ item }: { item: IndicatorMatch }) {
  const { t } = useTranslation();
  if (item.effective) return <span className="badge badge-enabled">{t('indicators.status.effective')}</span>;
  if (item.suppressed) return <span className="badge badge-held">{t('indicators.status.suppressed')}</span>;
  return <span className="badge badge-disabled">{t('indicators.status.expired')}</span>;
}

function Results(props: { query: Query; generation: number; onOpen(indicator: IndicatorRef): void }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  // The cursors of the pages shown so far: page n starts after cursors[n - 1].
  const [cursors, setCursors] = useState<string[]>([]);
  const results = useApi<IndicatorSearchPage>(searchPath(props.query, cursors[cursors.length - 1]));
  const page = results.data;
  // An allowlist change alters the statuses shown: read the page again.
  const { reload } = results;
  const shown = useRef(props.generation);
  useEffect(() => {
    if (shown.current === props.generation) return;
    shown.current = props.generation;
    reload();
  }, [props.generation, reload]);

  return (
    <section className="section" data-testid="indicator-results">
      {results.error && <ErrorMessage error={results.error} onRetry={results.reload} />}
      {page && page.items.length === 0 && (
        <div className="empty">
          <p data-testid="indicator-no-results">
            {props.query.match === 'exact' && page.normalised
              ? t('indicators.search.noResultsExact', { value: page.normalised.value })
              : t('indicators.search.noResults', { q: props.query.q })}
          </p>
          {page.normalised && (
            <button type="button" className="button button-small" onClick={() => props.onOpen(page.normalised!)}>
              {t('indicators.search.openAnyway')}
            </button>
          )}
        </div>
      )}
      {page && page.items.length > 0 && (
        <>
          <div className={`table-wrap${results.loading ? ' table-loading' : ''}`}>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('indicators.columns.value')}</th>
                  <th scope="col">{t('indicators.columns.type')}</th>
                  <th scope="col">{t('indicators.columns.sources')}</th>
                  <th scope="col">{t('indicators.columns.categories')}</th>
                  <th scope="col">{t('indicators.columns.status')}</th>
                  <th scope="col">{t('indicators.columns.expires')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((item) => (
                  <tr key={`${item.type}:${item.value}`} data-testid="indicator-result">
                    <td>
                      <button
                        type="button"
                        className="button-link mono intel-value"
                        onClick={() => props.onOpen(item)}
                        data-testid="indicator-result-open"
                      >
                        {item.value}
                      </button>
                    </td>
                    <td>{typeLabel(item.type, t)}</td>
                    <td>{fmt.number(item.sources)}</td>
                    <td>{item.categories.map((c) => categoryLabel(c, t)).join(', ')}</td>
                    <td>
                      <MatchStatus item={item} />
                    </td>
                    <td>
                      <Time value={item.validUntil} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <KeysetPager
            primary
            page={cursors.length + 1}
            hasOlder={page.next !== null}
            disabled={results.loading}
            onNewer={() => setCursors((c) => c.slice(0, -1))}
            onOlder={() => page.next && setCursors((c) => [...c, page.next!])}
          />
        </>
      )}
    </section>
  );
}

/** The search a link may carry: /indicators?q=evil.example opens it exactly. */
function initialQuery(): Query | null {
  const q = new URLSearchParams(window.location.search).get('q')?.trim();
  return q ? { q, match: 'exact', type: '' } : null;
}

export function Indicators() {
  const { t } = useTranslation();
  const { user } = useApp();
  const canOperate = OPERATOR_ROLES.includes(user.role);
  const [draft, setDraft] = useState<Query>(() => initialQuery() ?? { q: '', match: 'prefix', type: '' });
  const [query, setQuery] = useState<Query | null>(initialQuery);
  const [searches, setSearches] = useState(0);
  const [open, setOpen] = useState<IndicatorRef | null>(null);
  const [generation, setGeneration] = useState(0);
  const [prefill, setPrefill] = useState<{ value: string; key: number } | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft.q.trim()) return;
    setQuery({ ...draft, q: draft.q.trim() });
    setSearches((n) => n + 1);
    setOpen(null);
  };

  const allowlist = (value: string) => {
    setPrefill({ value, key: Date.now() });
    document.getElementById('allowlist-form-anchor')?.scrollIntoView({ behavior: 'smooth' });
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="indicators-title">{t('indicators.title')}</h1>
      </header>
      <p className="muted intro">{t('indicators.intro')}</p>

      <form className="filters" onSubmit={submit} role="search" data-testid="indicator-search">
        <label className="field intel-search-value">
          <span>{t('indicators.search.value')}</span>
          <input
            type="search"
            value={draft.q}
            placeholder={t('indicators.search.valueHint')}
            onChange={(e) => setDraft((d) => ({ ...d, q: e.target.value }))}
            data-testid="indicator-search-input"
          />
        </label>
        <label className="field">
          <span>{t('indicators.search.match')}</span>
          <select
            value={draft.match}
            onChange={(e) => setDraft((d) => ({ ...d, match: e.target.value as Query['match'] }))}
            data-testid="indicator-search-match"
          >
            <option value="prefix">{t('indicators.search.prefix')}</option>
            <option value="exact">{t('indicators.search.exact')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('indicators.search.type')}</span>
          <select
            value={draft.type}
            onChange={(e) => setDraft((d) => ({ ...d, type: e.target.value as Query['type'] }))}
            data-testid="indicator-search-type"
          >
            <option value="">{t('indicators.search.anyType')}</option>
            {TYPES.map((type) => (
              <option key={type} value={type}>
                {typeLabel(type, t)}
              </option>
            ))}
          </select>
        </label>
        <div className="form-actions">
          <button type="submit" className="button button-primary" data-testid="indicator-search-submit">
            {t('indicators.search.submit')}
          </button>
        </div>
      </form>
      <p className="small muted">{t('indicators.search.hint')}</p>

      {open && (
        <IndicatorDetail
          key={`${open.type}:${open.value}`}
          type={open.type}
          value={open.value}
          generation={generation}
          canOperate={canOperate}
          onAllowlist={allowlist}
          onClose={() => setOpen(null)}
        />
      )}
      {query && <Results key={`${searches}:${query.q}`} query={query} generation={generation} onOpen={setOpen} />}

      <div id="allowlist-form-anchor" />
      <ConsoleAllowlist
        canOperate={canOperate}
        prefill={prefill}
        generation={generation}
        onChanged={() => setGeneration((g) => g + 1)}
      />
    </div>
  );
}

// The cases queue: one row per case (a subscriber and a class of problem), filtered and sorted on the server a page
// at a time, with each case's age and severity. The desk selects rows and closes them in one go with one reason;
// each case is still moved and recorded on its own, and the ones that could not move are listed with the server's
// reason. The filter lives in the address (?subscriber=…), so a link from a sighting opens the subscriber's cases.
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { BulkMoveResult, CaseFilter, CaseList, CaseSort, CaseState } from '../api-types/cases';
import { casesPath } from '../case-api';
import { ABUSE_WRITE, ageOf, CASE_STATES, CLOSING_MOVES, severityLabel, stateLabel } from '../case-terms';
import { classLabel, RSIT_TYPES } from '../rsit-terms';
import { ErrorMessage } from '../components/ErrorMessage';
import { Link } from '../components/Link';
import { Pager } from '../components/Pager';
import { MIN_REASON } from '../components/ReasonForm';
import { Time } from '../components/Time';
import { useApp } from '../context';
import { useApi } from '../hooks';
import '../styles/cases.css';

const PAGE_SIZE = 50;
const SORTS: readonly CaseSort[] = ['updated', 'oldest', 'newest', 'severity'];
const FILTER_KEYS = ['state', 'type', 'subscriber', 'q', 'sort'] as const;

/** The filter the address carries (a link from a sighting, a reload, a bookmark). */
function filterFromLocation(): CaseFilter {
  const params = new URLSearchParams(window.location.search);
  const filter: CaseFilter = {};
  const state = params.get('state');
  if (state && (CASE_STATES as readonly string[]).includes(state)) filter.state = state as CaseState;
  const type = params.get('type');
  if (type) filter.type = type;
  const subscriber = params.get('subscriber');
  if (subscriber) filter.subscriber = subscriber;
  const q = params.get('q');
  if (q) filter.q = q;
  const sort = params.get('sort');
  if (sort && (SORTS as readonly string[]).includes(sort)) filter.sort = sort as CaseSort;
  return filter;
}

function keepInLocation(filter: CaseFilter): void {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  const search = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
}

interface Draft {
  state: string;
  type: string;
  subscriber: string;
  q: string;
  sort: CaseSort;
}

function draftOf(filter: CaseFilter): Draft {
  return {
    state: filter.state ?? '',
    type: filter.type ?? '',
    subscriber: filter.subscriber ?? '',
    q: filter.q ?? '',
    sort: filter.sort ?? 'updated',
  };
}

function CaseFilters({ initial, onApply }: { initial: CaseFilter; onApply(filter: CaseFilter): void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const toFilter = (d: Draft): CaseFilter => {
    const filter: CaseFilter = {};
    if (d.state) filter.state = d.state as CaseState;
    if (d.type) filter.type = d.type;
    if (d.subscriber.trim()) filter.subscriber = d.subscriber.trim();
    if (d.q.trim()) filter.q = d.q.trim();
    if (d.sort !== 'updated') filter.sort = d.sort;
    return filter;
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(toFilter(draft));
  };
  const clear = () => {
    const empty = draftOf({});
    setDraft(empty);
    onApply({});
  };
  return (
    <form className="filters" onSubmit={submit} data-testid="cases-filters">
      <label className="field">
        <span>{t('cases.filters.text')}</span>
        <input
          type="search"
          value={draft.q}
          placeholder={t('cases.filters.textHint')}
          onChange={(e) => set('q', e.target.value)}
          data-testid="cases-filter-text"
        />
      </label>
      <label className="field">
        <span>{t('cases.filters.subscriber')}</span>
        <input
          type="search"
          value={draft.subscriber}
          placeholder={t('cases.filters.subscriberHint')}
          onChange={(e) => set('subscriber', e.target.value)}
          data-testid="cases-filter-subscriber"
        />
      </label>
      <label className="field">
        <span>{t('cases.filters.state')}</span>
        <select value={draft.state} onChange={(e) => set('state', e.target.value)} data-testid="cases-filter-state">
          <option value="">{t('cases.filters.any')}</option>
          {CASE_STATES.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('cases.filters.type')}</span>
        <select value={draft.type} onChange={(e) => set('type', e.target.value)} data-testid="cases-filter-type">
          <option value="">{t('cases.filters.any')}</option>
          {RSIT_TYPES.map((type) => (
            <option key={type} value={type}>
              {classLabel(type, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('cases.filters.sort')}</span>
        <select
          value={draft.sort}
          onChange={(e) => {
            // Sorting needs no other change: applied at once, with the filter as it is.
            const next = { ...draft, sort: e.target.value as CaseSort };
            setDraft(next);
            onApply(toFilter(next));
          }}
          data-testid="cases-sort"
        >
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {t(`cases.sorts.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="cases-apply">
          {t('cases.filters.apply')}
        </button>
        <button type="button" className="button" onClick={clear} data-testid="cases-clear">
          {t('cases.filters.clear')}
        </button>
      </div>
    </form>
  );
}

interface BulkBarProps {
  selected: number[];
  onDone(result: BulkMoveResult): void;
  onClear(): void;
}

function BulkBar({ selected, onDone, onClear }: BulkBarProps) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const [to, setTo] = useState<CaseState>('resolved');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const ready = selected.length > 0 && reason.trim().length >= MIN_REASON && !busy;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.post<BulkMoveResult>('/api/abuse/cases/move', {
        ids: selected,
        state: to,
        reason: reason.trim(),
      });
      setReason('');
      onDone(result);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="bulk-bar" onSubmit={submit} data-testid="cases-bulk">
      <span className="bulk-count" data-testid="cases-selected">
        {t('cases.bulk.selected', { count: fmt.number(selected.length) })}
      </span>
      <label className="field-inline">
        <span className="field-inline-label">{t('cases.bulk.moveTo')}</span>
        <select value={to} onChange={(e) => setTo(e.target.value as CaseState)} data-testid="cases-bulk-state">
          {CLOSING_MOVES.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="field-inline bulk-reason">
        <span className="field-inline-label">{t('cases.bulk.reason')}</span>
        <input
          type="text"
          value={reason}
          maxLength={2000}
          placeholder={t('cases.bulk.reasonHint')}
          onChange={(e) => setReason(e.target.value)}
          data-testid="cases-bulk-reason"
        />
      </label>
      <button
        type="submit"
        className="button button-primary button-small"
        disabled={!ready}
        data-testid="cases-bulk-apply"
      >
        {busy ? t('casePage.working') : t('cases.bulk.apply')}
      </button>
      <button type="button" className="button button-small" onClick={onClear} disabled={busy || selected.length === 0}>
        {t('cases.bulk.clear')}
      </button>
      {error && <ErrorMessage error={error} testId="cases-bulk-error" />}
    </form>
  );
}

function BulkOutcome({ result }: { result: BulkMoveResult }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const failures = result.results.filter((r) => !r.ok);
  return (
    <div
      className={`alert alert-block ${failures.length > 0 ? 'alert-warn' : 'alert-ok'}`}
      role="status"
      data-testid="cases-bulk-outcome"
    >
      <p className="bulk-outcome-summary">
        {t('cases.bulk.outcome', { moved: fmt.number(result.moved), failed: fmt.number(result.failed) })}
      </p>
      {failures.length > 0 && (
        <ul className="bulk-failures">
          {failures.map((f) => (
            <li key={f.id} data-testid="cases-bulk-failure">
              <Link href={`/cases/${f.id}`}>{t('cases.caseNumber', { id: f.id })}</Link>: {f.message ?? f.code}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Cases() {
  const { t } = useTranslation();
  const { user, fmt } = useApp();
  const canWrite = ABUSE_WRITE.includes(user.role);
  const [initial] = useState(filterFromLocation);
  const [filter, setFilter] = useState<CaseFilter>(initial);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<number[]>([]);
  const [outcome, setOutcome] = useState<BulkMoveResult>();
  const list = useApi<CaseList>(casesPath(filter, { limit: PAGE_SIZE, offset }));
  const cases = list.error ? [] : (list.data?.items ?? []);
  // The age column is relative to when the page was drawn; a reload moves it on.
  const now = useMemo(() => Date.now(), [list.data]);
  const filtered = Object.keys(filter).some((k) => k !== 'sort');

  const apply = (next: CaseFilter) => {
    setFilter(next);
    setOffset(0);
    setSelected([]);
    keepInLocation(next);
  };
  const toggle = (id: number) =>
    setSelected((current) => (current.includes(id) ? current.filter((c) => c !== id) : [...current, id]));
  const allShown = cases.length > 0 && cases.every((c) => selected.includes(c.id));
  const toggleAll = () =>
    setSelected((current) =>
      allShown
        ? current.filter((id) => !cases.some((c) => c.id === id))
        : [...new Set([...current, ...cases.map((c) => c.id)])],
    );

  const pager = (primary: boolean) =>
    list.data && (
      <Pager
        offset={offset}
        limit={PAGE_SIZE}
        total={list.data.total}
        count={cases.length}
        onChange={setOffset}
        primary={primary}
      />
    );

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="cases-title">{t('cases.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={list.reload} disabled={list.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>
      <p className="muted intro">{t('cases.intro')}</p>
      <CaseFilters initial={initial} onApply={apply} />
      {canWrite && (
        <BulkBar
          selected={selected}
          onClear={() => setSelected([])}
          onDone={(result) => {
            setOutcome(result);
            setSelected(result.results.filter((r) => !r.ok).map((r) => r.id));
            list.reload();
          }}
        />
      )}
      {outcome && <BulkOutcome result={outcome} />}
      {list.error && <ErrorMessage error={list.error} onRetry={list.reload} testId="cases-error" />}
      {!list.data && list.loading && <p className="muted">{t('common.loading')}</p>}
      {list.data && !list.error && cases.length === 0 && (
        <p className="empty" data-testid="cases-empty">
          {filtered ? t('cases.empty') : t('cases.emptyAll')}
        </p>
      )}
      {cases.length > 0 && (
        <>
          {pager(true)}
          <div className="table-wrap">
            <table className={`table${list.loading ? ' table-loading' : ''}`} data-testid="cases-table">
              <thead>
                <tr>
                  {canWrite && (
                    <th className="select-cell">
                      <input
                        type="checkbox"
                        checked={allShown}
                        onChange={toggleAll}
                        aria-label={t('cases.selectAll')}
                        data-testid="cases-select-all"
                      />
                    </th>
                  )}
                  <th>{t('cases.columns.case')}</th>
                  <th>{t('cases.columns.subscriber')}</th>
                  <th>{t('cases.columns.type')}</th>
                  <th>{t('cases.columns.severity')}</th>
                  <th>{t('cases.columns.state')}</th>
                  <th className="num">{t('cases.columns.events')}</th>
                  <th>{t('cases.columns.age')}</th>
                  <th>{t('cases.columns.lastEvent')}</th>
                  <th>{t('cases.columns.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {cases.map((c) => (
                  <tr key={c.id} data-testid="case-row" data-case-id={c.id}>
                    {canWrite && (
                      <td className="select-cell">
                        <input
                          type="checkbox"
                          checked={selected.includes(c.id)}
                          onChange={() => toggle(c.id)}
                          aria-label={t('cases.select', { id: c.id })}
                          data-testid="case-select"
                        />
                      </td>
                    )}
                    <td>
                      <Link href={`/cases/${c.id}`} data-testid="case-link">
                        {t('cases.caseNumber', { id: c.id })}
                      </Link>
                    </td>
                    <td className="mono" data-testid="case-subscriber">
                      {c.subscriberId}
                    </td>
                    <td data-testid="case-type">{classLabel(c.type, t)}</td>
                    <td>
                      <span className={`badge severity-${c.severity}`} data-testid="case-severity">
                        {severityLabel(c.severity, t)}
                      </span>
                    </td>
                    <td>
                      <span className={`badge state-${c.state}`} data-testid="case-state">
                        {stateLabel(c.state, t)}
                      </span>
                    </td>
                    <td className="num">{fmt.number(c.eventCount)}</td>
                    <td title={t('cases.openedAt', { time: fmt.dateTime(c.openedAt) })} data-testid="case-age">
                      {ageOf(c.openedAt, now, t)}
                    </td>
                    <td>
                      <Time value={c.lastEventAt} />
                    </td>
                    <td>
                      <Time value={c.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {cases.length > 20 && pager(false)}
        </>
      )}
    </div>
  );
}

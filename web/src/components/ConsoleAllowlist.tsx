// The console allowlist: its entries page by page (value, kind, reason, expiry, who added it), and for operators a
// form to add one and a button to remove each. The server suppresses or releases the claims and audits the change.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, request } from '../api';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { useChange } from '../use-change';
import type { ConsoleAllowKind, ConsoleEntry, ConsoleEntryPage } from '../api-types/intel';
import { wallTimeToUtc } from '../zoned-time';
import { ChangeOutcome } from './ChangeOutcome';
import { ErrorMessage } from './ErrorMessage';
import { Pager } from './Pager';
import { Time } from './Time';

const PAGE = 20;

interface Draft {
  value: string;
  kind: ConsoleAllowKind | '';
  reason: string;
  /** As a datetime-local field holds it, in the operator's zone. */
  expires: string;
}

export function ConsoleAllowlist(props: {
  canOperate: boolean;
  /** A value to put in the form (from "Allowlist it" on an indicator); its key changes with each request. */
  prefill: { value: string; key: number } | null;
  generation: number;
  onChanged(): void;
}) {
  const { t } = useTranslation();
  const { fmt, timeZone } = useApp();
  const [offset, setOffset] = useState(0);
  const [expired, setExpired] = useState(false);
  const entries = useApi<ConsoleEntryPage>(
    `/api/intel/allowlist-entries?limit=${PAGE}&offset=${offset}&expired=${expired}`,
  );
  const [draft, setDraft] = useState<Draft>({ value: '', kind: '', reason: '', expires: '' });
  const [problem, setProblem] = useState<string>();
  const change = useChange(props.onChanged);
  const { busy } = change;
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const { reload } = entries;
  useEffect(() => {
    if (props.prefill) setDraft((d) => ({ ...d, value: props.prefill!.value, kind: '' }));
  }, [props.prefill]);
  const shown = useRef(props.generation);
  useEffect(() => {
    if (shown.current === props.generation) return;
    shown.current = props.generation;
    reload();
  }, [props.generation, reload]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    let expiresAt: string | null = null;
    if (draft.expires) {
      expiresAt = wallTimeToUtc(draft.expires, timeZone);
      if (!expiresAt) {
        setProblem(t('indicators.allowlist.badTime', { field: t('indicators.allowlist.expires', { zone: timeZone }) }));
        return;
      }
    }
    setProblem(undefined);
    const body = {
      value: draft.value.trim(),
      reason: draft.reason.trim(),
      expiresAt,
      ...(draft.kind ? { kind: draft.kind } : {}),
    };
    await change.run(
      () => api.post<{ entry: ConsoleEntry; suppressed: number }>('/api/intel/allowlist-entries', body),
      (res) => {
        setDraft({ value: '', kind: '', reason: '', expires: '' });
        setOffset(0);
        return t('indicators.allowlist.added', { value: res.entry.value, count: fmt.number(res.suppressed) });
      },
    );
  };

  const remove = async (entry: ConsoleEntry) => {
    if (!window.confirm(t('indicators.allowlist.confirmRemove', { value: entry.value }))) return;
    await change.run(
      () =>
        request<{ entry: ConsoleEntry; released: number }>(
          'DELETE',
          `/api/intel/allowlist-entries/${encodeURIComponent(entry.id)}`,
        ),
      (res) => t('indicators.allowlist.removed', { value: res.entry.value, count: fmt.number(res.released) }),
    );
  };

  const page = entries.data;
  return (
    <section className="section" data-testid="allowlist">
      <div className="section-header">
        <h2>{t('indicators.allowlist.title')}</h2>
        <label className="field-inline">
          <input
            type="checkbox"
            checked={expired}
            onChange={(e) => {
              setExpired(e.target.checked);
              setOffset(0);
            }}
          />
          <span>{t('indicators.allowlist.showExpired')}</span>
        </label>
      </div>
      <p className="muted small">{t('indicators.allowlist.intro')}</p>
      <ChangeOutcome change={change} errorTestId="allowlist-error" doneTestId="allowlist-notice" />

      {props.canOperate ? (
        <form className="filters intel-allow-form" onSubmit={add} data-testid="allowlist-form">
          <label className="field">
            <span>{t('indicators.allowlist.value')}</span>
            <input
              type="text"
              required
              value={draft.value}
              onChange={(e) => set('value', e.target.value)}
              data-testid="allowlist-value"
            />
          </label>
          <label className="field">
            <span>{t('indicators.allowlist.kind')}</span>
            <select
              value={draft.kind}
              onChange={(e) => set('kind', e.target.value as Draft['kind'])}
              data-testid="allowlist-kind"
            >
              <option value="">{t('indicators.allowlist.kinds.auto')}</option>
              <option value="hostname">{t('indicators.allowlist.kinds.hostname')}</option>
              <option value="exact">{t('indicators.allowlist.kinds.exact')}</option>
              <option value="cidr">{t('indicators.allowlist.kinds.cidr')}</option>
            </select>
          </label>
          <label className="field intel-reason">
            <span>{t('indicators.allowlist.reason')}</span>
            <input
              type="text"
              required
              minLength={3}
              maxLength={500}
              placeholder={t('indicators.allowlist.reasonHint')}
              value={draft.reason}
              onChange={(e) => set('reason', e.target.value)}
              data-testid="allowlist-reason"
            />
          </label>
          <label className="field">
            <span>{t('indicators.allowlist.expires', { zone: timeZone })}</span>
            <input
              type="datetime-local"
              value={draft.expires}
              title={t('indicators.allowlist.expiresHint')}
              onChange={(e) => set('expires', e.target.value)}
              data-testid="allowlist-expires"
            />
          </label>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy} data-testid="allowlist-submit">
              {busy ? t('indicators.working') : t('indicators.allowlist.submit')}
            </button>
          </div>
          {problem && <p className="form-problem">{problem}</p>}
        </form>
      ) : (
        <p className="small muted" data-testid="allowlist-read-only">
          {t('indicators.allowlist.readOnly')}
        </p>
      )}

      {entries.error && <ErrorMessage error={entries.error} onRetry={entries.reload} />}
      {page && page.total === 0 && <p className="muted">{t('indicators.allowlist.empty')}</p>}
      {page && page.total > 0 && (
        <>
          <div className={`table-wrap${entries.loading ? ' table-loading' : ''}`}>
            <table className="table" data-testid="allowlist-entries">
              <thead>
                <tr>
                  <th scope="col">{t('indicators.allowlist.value')}</th>
                  <th scope="col">{t('indicators.columns.kind')}</th>
                  <th scope="col">{t('indicators.columns.reason')}</th>
                  <th scope="col">{t('indicators.columns.validUntil')}</th>
                  <th scope="col">{t('indicators.columns.addedBy')}</th>
                  <th scope="col">{t('indicators.columns.addedAt')}</th>
                  {props.canOperate && <th scope="col" aria-label={t('indicators.allowlist.remove')} />}
                </tr>
              </thead>
              <tbody>
                {page.items.map((e) => (
                  <tr key={e.id} data-testid="allowlist-entry">
                    <td className="mono intel-wrap" data-testid="allowlist-entry-value">
                      {e.value}
                    </td>
                    <td>{t(`indicators.allowlist.kinds.${e.kind}`)}</td>
                    <td className="intel-wrap">{e.reason}</td>
                    <td>
                      {e.expiresAt ? <Time value={e.expiresAt} /> : t('indicators.detail.untilRemoved')}
                      {e.expired && <span className="badge badge-disabled">{t('indicators.allowlist.expired')}</span>}
                    </td>
                    <td>{e.addedBy}</td>
                    <td>
                      <Time value={e.addedAt} />
                    </td>
                    {props.canOperate && (
                      <td>
                        <button
                          type="button"
                          className="button button-small"
                          disabled={busy}
                          onClick={() => void remove(e)}
                          data-testid="allowlist-remove"
                        >
                          {t('indicators.allowlist.remove')}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={PAGE} total={page.total} count={page.items.length} onChange={setOffset} />
          <p className="small muted">{t('indicators.allowlist.file', { file: page.file })}</p>
        </>
      )}
    </section>
  );
}

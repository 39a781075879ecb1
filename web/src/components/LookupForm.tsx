// The subscriber look-up's form: the purpose first (from the server's list; nothing is sent without one), then the
// address, port and time. The time is typed in the operator's zone and sent as UTC.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PurposeChoice } from '../api-types/admin';
import { useApp } from '../context';
import { purposeLabel } from '../purpose-terms';
import { wallTimeToUtc } from '../zoned-time';

export interface WhoQuery {
  address: string;
  port?: number;
  /** UTC, ISO 8601. */
  at: string;
  purpose: string;
  reference?: string;
}

interface Draft {
  purpose: string;
  reference: string;
  address: string;
  port: string;
  /** As a datetime-local field holds it, in the operator's zone. */
  at: string;
}

const EMPTY: Draft = { purpose: '', reference: '', address: '', port: '', at: '' };
/** What the server asks of a reference that must say why (src/domain/purpose.ts). */
const MIN_REASON_LENGTH = 5;

export function LookupForm(props: { purposes: PurposeChoice[]; busy: boolean; onSubmit(query: WhoQuery): void }) {
  const { t } = useTranslation();
  const { timeZone } = useApp();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problem, setProblem] = useState<string>();
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const chosen = props.purposes.find((p) => p.kind === draft.purpose);

  // The first thing missing, in the order the form asks for it, or the query when the look-up may be sent.
  const check = (): string | WhoQuery => {
    if (!chosen) return t('lookup.problems.noPurpose');
    const reference = draft.reference.trim();
    if (chosen.referenceRequired && reference.length < MIN_REASON_LENGTH) {
      return t('lookup.problems.needReference', { purpose: purposeLabel(chosen.kind, t) });
    }
    const address = draft.address.trim();
    if (!address) return t('lookup.problems.noAddress');
    let port: number | undefined;
    if (draft.port.trim()) {
      port = Number(draft.port.trim());
      if (!Number.isInteger(port) || port < 0 || port > 65535) return t('lookup.problems.badPort');
    }
    const at = wallTimeToUtc(draft.at, timeZone);
    if (!at) return t('lookup.problems.badTime', { zone: timeZone });
    return { address, at, purpose: chosen.kind, ...(port !== undefined && { port }), ...(reference && { reference }) };
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = check();
    if (typeof result === 'string') {
      setProblem(result);
      return;
    }
    setProblem(undefined);
    props.onSubmit(result);
  };

  return (
    <form className="lookup-form" onSubmit={submit} noValidate data-testid="lookup-form">
      <div className="lookup-why">
        <label className="field">
          <span>{t('lookup.form.purpose')}</span>
          <select
            value={draft.purpose}
            onChange={(e) => set('purpose', e.target.value)}
            required
            data-testid="lookup-purpose"
          >
            <option value="">{t('lookup.form.choosePurpose')}</option>
            {props.purposes.map((p) => (
              <option key={p.kind} value={p.kind}>
                {purposeLabel(p.kind, t)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            {t('lookup.form.reference')}
            {chosen?.referenceRequired && <span className="muted"> — {t('lookup.form.referenceRequired')}</span>}
          </span>
          <input
            type="text"
            value={draft.reference}
            maxLength={500}
            placeholder={
              chosen?.referenceRequired ? t('lookup.form.referenceRequired') : t('lookup.form.referenceHint')
            }
            onChange={(e) => set('reference', e.target.value)}
            data-testid="lookup-reference"
          />
        </label>
      </div>
      <div className="lookup-what">
        <label className="field">
          <span>{t('lookup.form.address')}</span>
          <input
            type="text"
            value={draft.address}
            placeholder={t('lookup.form.addressHint')}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => set('address', e.target.value)}
            data-testid="lookup-address"
          />
        </label>
        <label className="field lookup-port">
          <span>{t('lookup.form.port')}</span>
          <input
            type="text"
            inputMode="numeric"
            value={draft.port}
            placeholder={t('lookup.form.portHint')}
            onChange={(e) => set('port', e.target.value)}
            data-testid="lookup-port"
          />
        </label>
        <label className="field">
          <span>{t('lookup.form.at', { zone: timeZone })}</span>
          <input
            type="datetime-local"
            step={1}
            value={draft.at}
            onChange={(e) => set('at', e.target.value)}
            data-testid="lookup-at"
          />
        </label>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={props.busy} data-testid="lookup-submit">
          {props.busy ? t('lookup.form.submitting') : t('lookup.form.submit')}
        </button>
        {problem && (
          <span className="form-problem" role="alert" data-testid="lookup-problem">
            {problem}
          </span>
        )}
      </div>
    </form>
  );
}

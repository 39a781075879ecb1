// The Audit log's filters: actor (exactly), action (beginning), target (exactly, or a beginning ending in *) and
// purpose (one of the server's purposes, optionally with the beginning of its reference). Applied together, on the
// server.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditFilter, PurposeChoice } from '../api-types/admin';
import { purposeLabel, purposeText } from '../purpose-terms';

interface Draft {
  actor: string;
  action: string;
  target: string;
  purpose: string;
  reference: string;
}

const EMPTY: Draft = { actor: '', action: '', target: '', purpose: '', reference: '' };

export function AuditFilters(props: { purposes: PurposeChoice[]; onApply(filter: AuditFilter): void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const filter: AuditFilter = {};
    for (const key of ['actor', 'action', 'target'] as const) {
      const value = draft[key].trim();
      if (value) filter[key] = value;
    }
    if (draft.purpose) filter.purpose = purposeText(draft.purpose, draft.reference);
    props.onApply(filter);
  };

  const clear = () => {
    setDraft(EMPTY);
    props.onApply({});
  };

  const text = (key: 'actor' | 'action' | 'target') => (
    <label className="field">
      <span>{t(`audit.filters.${key}`)}</span>
      <input
        type="search"
        value={draft[key]}
        placeholder={t(`audit.filters.${key}Hint`)}
        spellCheck={false}
        onChange={(e) => set(key, e.target.value)}
        data-testid={`audit-filter-${key}`}
      />
    </label>
  );

  return (
    <form className="filters" onSubmit={submit} data-testid="audit-filters">
      {text('actor')}
      {text('action')}
      {text('target')}
      <label className="field">
        <span>{t('audit.filters.purpose')}</span>
        <select
          value={draft.purpose}
          onChange={(e) => set('purpose', e.target.value)}
          data-testid="audit-filter-purpose"
        >
          <option value="">{t('audit.filters.anyPurpose')}</option>
          {props.purposes.map((p) => (
            <option key={p.kind} value={p.kind}>
              {purposeLabel(p.kind, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('audit.filters.reference')}</span>
        <input
          type="search"
          value={draft.reference}
          disabled={!draft.purpose}
          placeholder={t('audit.filters.referenceHint')}
          onChange={(e) => set('reference', e.target.value)}
          data-testid="audit-filter-reference"
        />
      </label>
      <p className="muted small settings-form-note">{t('audit.filters.help')}</p>
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="audit-apply">
          {t('audit.filters.apply')}
        </button>
        <button type="button" className="button" onClick={clear} data-testid="audit-clear">
          {t('audit.filters.clear')}
        </button>
      </div>
    </form>
  );
}

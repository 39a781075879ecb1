// One notice template edited in both languages side by side: each column holds the text in a textarea and, under it,
// the notice it gives, rendered by the server with sample facts as the text is typed (debounced). A text that does not
// render shows the server's reason instead. Save and revert are the administrator's (abuse.templates).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, request, toApiError, type ApiError } from '../api';
import type { NoticeLocale, TemplateDetail, TemplatePreview } from '../api-types/reports';
import { NOTICE_LOCALES } from '../api-types/reports';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { useDebounced } from '../reports/useDebounced';
import { ErrorMessage } from './ErrorMessage';

export const TEMPLATE_PREVIEW_DELAY_MS = 400;
type Kind = 'notice' | 'reminder';

interface ColumnProps {
  name: string;
  label: string;
  locale: NoticeLocale;
  kind: Kind;
  canEdit: boolean;
  onChanged(): void;
}

function useTemplatePreview(name: string, locale: NoticeLocale, source: string | undefined, kind: Kind) {
  const [state, setState] = useState<{ data?: TemplatePreview; error?: ApiError; loading: boolean }>({
    loading: false,
  });
  useEffect(() => {
    if (source === undefined) return;
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    api
      .post<TemplatePreview>(`/api/abuse/templates/${name}/${locale}/preview`, { source, kind })
      .then((data) => !cancelled && setState({ data, loading: false }))
      .catch((err: unknown) => !cancelled && setState({ error: toApiError(err), loading: false }));
    return () => {
      cancelled = true;
    };
  }, [name, locale, source, kind]);
  return state;
}

function TemplateColumn({ name, label, locale, kind, canEdit, onChanged }: ColumnProps) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const detail = useApi<TemplateDetail>(`/api/abuse/templates/${name}/${locale}`);
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  // What the last action did, as a message key: shown in the language of the moment.
  const [done, setDone] = useState<'saved' | 'reverted' | null>(null);

  // The text from the server is the draft until it is edited; after a save or revert it is again.
  useEffect(() => {
    if (detail.data) setDraft(detail.data.source);
  }, [detail.data]);
  const settled = useDebounced(draft, TEMPLATE_PREVIEW_DELAY_MS);
  const preview = useTemplatePreview(name, locale, settled, kind);
  const unsaved = detail.data !== undefined && draft !== undefined && draft !== detail.data.source;

  const act = async (work: () => Promise<unknown>, message: 'saved' | 'reverted') => {
    setBusy(true);
    setActionError(null);
    setDone(null);
    try {
      await work();
      setDone(message);
      detail.reload();
      onChanged();
    } catch (err) {
      setActionError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    act(() => request<void>('PUT', `/api/abuse/templates/${name}/${locale}`, { source: draft }), 'saved');
  const revert = () => {
    if (!window.confirm(t('settings.templates.confirmRevert', { name: label, locale: t(`locales.${locale}`) }))) return;
    void act(() => api.post<void>(`/api/abuse/templates/${name}/${locale}/revert`), 'reverted');
  };

  return (
    <section className="template-column" data-testid={`template-column-${locale}`}>
      <label className="field">
        <span>
          {t('settings.templates.source', { locale: t(`locales.${locale}`) })}
          {unsaved && <span className="badge badge-warning"> {t('settings.templates.unsaved')}</span>}
          {detail.data?.overridden && !unsaved && (
            <span className="badge badge-info" data-testid={`template-changed-${locale}`}>
              {t('settings.templates.changed')}
            </span>
          )}
        </span>
        <textarea
          value={draft ?? ''}
          onChange={(e) => {
            setDraft(e.target.value);
            setDone(null);
          }}
          readOnly={!canEdit}
          spellCheck={false}
          disabled={draft === undefined}
          data-testid={`template-source-${locale}`}
        />
      </label>
      {detail.error && <ErrorMessage error={detail.error} onRetry={detail.reload} />}
      {detail.data?.updatedBy && (
        <p className="muted small">
          {t('settings.templates.changedBy', { by: detail.data.updatedBy, at: fmt.dateTime(detail.data.updatedAt) })}
        </p>
      )}
      {canEdit && (
        <div className="form-actions">
          <button
            type="button"
            className="button button-primary"
            disabled={busy || !unsaved}
            onClick={() => void save()}
            data-testid={`template-save-${locale}`}
          >
            {busy ? t('settings.templates.saving') : t('settings.templates.save')}
          </button>
          {detail.data?.overridden && (
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={revert}
              data-testid={`template-revert-${locale}`}
            >
              {t('settings.templates.revert')}
            </button>
          )}
        </div>
      )}
      {actionError && <ErrorMessage error={actionError} testId={`template-action-error-${locale}`} />}
      {done && (
        <p className="alert alert-ok" data-testid={`template-done-${locale}`}>
          {t(`settings.templates.${done}`)}
        </p>
      )}

      <div className="section-header">
        <h3>{t('settings.templates.preview', { locale: t(`locales.${locale}`) })}</h3>
        {(preview.loading || settled !== draft) && (
          <span className="muted small">{t('settings.templates.updating')}</span>
        )}
      </div>
      {preview.error ? (
        <div className="alert alert-error alert-block" role="alert" data-testid={`template-preview-error-${locale}`}>
          <div>{t('settings.templates.invalid')}</div>
          <div>{preview.error.message}</div>
        </div>
      ) : (
        preview.data && (
          <div className="template-preview" data-testid={`template-preview-${locale}`}>
            <div className="template-subject">
              <span className="muted small">{t('settings.templates.subject')}: </span>
              <span data-testid={`template-preview-subject-${locale}`}>{preview.data.subject}</span>
            </div>
            <pre className="template-text" data-testid={`template-preview-body-${locale}`}>
              {preview.data.body}
            </pre>
          </div>
        )
      )}
    </section>
  );
}

export function TemplateEditor(props: {
  name: string;
  label: string;
  canEdit: boolean;
  onChanged(): void;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Kind>('notice');
  return (
    <section className="template-editor" data-testid="template-editor">
      <div className="section-header">
        <h2 data-testid="template-editing">{t('settings.templates.editing', { name: props.label })}</h2>
        <label className="field-inline">
          <span className="field-inline-label">{t('settings.templates.kind')}</span>
          <select value={kind} onChange={(e) => setKind(e.target.value === 'reminder' ? 'reminder' : 'notice')}>
            <option value="notice">{t('settings.templates.kinds.notice')}</option>
            <option value="reminder">{t('settings.templates.kinds.reminder')}</option>
          </select>
        </label>
        <button type="button" className="button button-small section-link" onClick={props.onClose}>
          {t('settings.templates.close')}
        </button>
      </div>
      <p className="muted small">{t('settings.templates.hint')}</p>
      <p className="muted small">{t('settings.templates.previewHint')}</p>
      <div className="template-columns">
        {NOTICE_LOCALES.map((locale) => (
          <TemplateColumn
            key={`${props.name}:${locale}`}
            name={props.name}
            label={props.label}
            locale={locale}
            kind={kind}
            canEdit={props.canEdit}
            onChanged={props.onChanged}
          />
        ))}
      </div>
    </section>
  );
}

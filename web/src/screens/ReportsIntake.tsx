// Reports intake: a report that came by hand (a forwarded mail, a Shadowserver file, a spreadsheet list) is chosen or
// dropped, its format recognised or chosen, a spreadsheet read through a saved column mapping or one built here; the
// server previews what the import would make of it, with the same parser and mapping; then the import, with its
// progress, and what came of it. Only the roles with abuse.write reach this screen (routes.ts), as on the server.
import { useCallback, useEffect, useMemo, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { request, toApiError, type ApiError } from '../api';
import {
  ABUSE_FORMATS,
  type AbuseFormat,
  type ImportOutcome,
  type MappingDraft,
  type MappingList,
  type PreviewRequest,
  type SavedMapping,
} from '../api-types/reports';
import { ErrorMessage } from '../components/ErrorMessage';
import { ImportJobProgress, UploadProgress } from '../components/ImportProgress';
import { ImportResult } from '../components/ImportResult';
import { cleanMappingDraft, emptyMappingDraft, MappingBuilder } from '../components/MappingBuilder';
import { CsvSampleTable, ReportPreviewPanel } from '../components/ReportPreviewPanel';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { readHead, uploadReport } from '../reports/upload';
import { usePreview } from '../reports/usePreview';
import '../styles/reports.css';

/** The mapping select's value for "build a new mapping here". */
const NEW_MAPPING = '__new__';

type Run =
  | { phase: 'uploading'; sent: number; total: number }
  | { phase: 'job'; jobId: number }
  | { phase: 'done'; outcome: ImportOutcome }
  | { phase: 'failed'; error: ApiError | string };

export function ReportsIntake() {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const [file, setFile] = useState<File | null>(null);
  const [head, setHead] = useState<{ content: string; complete: boolean } | null>(null);
  const [headError, setHeadError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  // A new key empties the file input, so the same file can be chosen again after an import.
  const [inputKey, setInputKey] = useState(0);
  const [format, setFormat] = useState<AbuseFormat | ''>('');
  const [reportType, setReportType] = useState('');
  const [mappingChoice, setMappingChoice] = useState('');
  const [draft, setDraft] = useState<MappingDraft>(emptyMappingDraft);
  const [suggested, setSuggested] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [savedName, setSavedName] = useState<string | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const mappings = useApi<MappingList>('/api/abuse/mappings');

  const building = mappingChoice === NEW_MAPPING;
  const csv = format === 'csv';

  const choose = (chosen: File | undefined) => {
    if (!chosen) return;
    setFile(chosen);
    setHead(null);
    setHeadError(null);
    setFormat('');
    setReportType('');
    setMappingChoice('');
    setSuggested(null);
    setSavedName(null);
    setRun(null);
    readHead(chosen).then(setHead, (err: unknown) => setHeadError(toApiError(err).message));
  };

  const previewRequest = useMemo<PreviewRequest | null>(() => {
    if (!file || !head) return null;
    const r: PreviewRequest = { fileName: file.name, content: head.content, complete: head.complete, limit: 20 };
    if (format) r.format = format;
    if (csv && building) r.mapping = cleanMappingDraft(draft);
    else if (csv && mappingChoice) r.mappingName = mappingChoice;
    if (format === 'shadowserver' && /^[a-z0-9_]+$/.test(reportType)) r.reportType = reportType;
    return r;
  }, [file, head, format, csv, building, draft, mappingChoice, reportType]);
  const preview = usePreview(previewRequest);

  // A list no format recognised whose header a saved mapping fits: that mapping is the likely one.
  useEffect(() => {
    const found = preview.data?.matchingMappings[0];
    if (format === '' && preview.data?.format === null && found) {
      setFormat('csv');
      setMappingChoice(found);
      setSuggested(found);
    }
  }, [preview.data, format]);

  const chooseMapping = (value: string) => {
    setSavedName(null);
    setSaveError(null);
    setMappingChoice(value);
    if (value === NEW_MAPPING) setDraft(emptyMappingDraft());
  };

  // A saved mapping is the start of a new one: the same sender's next list often differs in a column.
  const editCopy = async () => {
    try {
      const saved = await request<SavedMapping>('GET', `/api/abuse/mappings/${encodeURIComponent(mappingChoice)}`);
      setDraft({ ...emptyMappingDraft(), ...saved.mapping, name: '' });
      setMappingChoice(NEW_MAPPING);
    } catch (err) {
      setSaveError(toApiError(err));
    }
  };

  const saveMapping = async () => {
    const name = (draft.name ?? '').trim();
    setSaving(true);
    setSaveError(null);
    try {
      await request<void>(
        'PUT',
        `/api/abuse/mappings/${encodeURIComponent(name)}`,
        cleanMappingDraft({ ...draft, name }),
      );
      mappings.reload();
      setMappingChoice(name);
      setSavedName(name);
    } catch (err) {
      setSaveError(toApiError(err));
    } finally {
      setSaving(false);
    }
  };

  const startImport = async () => {
    if (!file) return;
    setRun({ phase: 'uploading', sent: 0, total: file.size });
    try {
      const answer = await uploadReport(
        file,
        {
          // Only a format the operator chose: recognised ones the server recognises again (a bounce among them).
          format: format || undefined,
          mapping: csv ? mappingChoice : undefined,
          ...(format === 'shadowserver' && reportType ? { reportType } : {}),
        },
        (sent, total) => setRun({ phase: 'uploading', sent, total }),
      );
      setRun(
        answer.kind === 'job' ? { phase: 'job', jobId: answer.jobId } : { phase: 'done', outcome: answer.outcome },
      );
    } catch (err) {
      setRun({ phase: 'failed', error: toApiError(err) });
    }
  };
  const jobDone = useCallback((outcome: ImportOutcome) => setRun({ phase: 'done', outcome }), []);
  const jobFailed = useCallback((error: string) => setRun({ phase: 'failed', error }), []);

  const reset = () => {
    setInputKey((k) => k + 1);
    setFile(null);
    setHead(null);
    setRun(null);
    setFormat('');
    setMappingChoice('');
    setSuggested(null);
    setSavedName(null);
  };

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  };

  const formatKnown = format !== '' || (preview.data?.format ?? null) !== null;
  const busy = run?.phase === 'uploading' || run?.phase === 'job';
  const canImport =
    !!file && !busy && run?.phase !== 'done' && formatKnown && (!csv || (mappingChoice !== '' && !building));
  const csvSample = preview.data?.csv;

  return (
    <div className="page reports-intake">
      <header className="page-header">
        <h1 data-testid="reports-title">{t('reports.title')}</h1>
      </header>
      <p className="muted intro">{t('reports.intro')}</p>

      <label
        className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="report-drop"
      >
        <span className="drop-zone-label">{t('reports.file.label')}</span>
        <span className="muted">{t('reports.file.drop')}</span>
        <input
          key={inputKey}
          type="file"
          onChange={(e) => choose(e.target.files?.[0])}
          disabled={busy}
          data-testid="report-file"
        />
        {file && (
          <span className="mono" data-testid="report-file-name">
            {t('reports.file.chosen', { name: file.name, size: fmt.bytes(file.size) })}
          </span>
        )}
      </label>
      {headError && <ErrorMessage error={headError} />}

      {file && (
        <div className="intake-options">
          <label className="field">
            <span>{t('reports.format.label')}</span>
            <select
              value={format}
              onChange={(e) => {
                setFormat(e.target.value as AbuseFormat | '');
                setSuggested(null);
              }}
              disabled={busy}
              data-testid="report-format"
            >
              <option value="">{t('reports.format.auto')}</option>
              {ABUSE_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {t(`reports.formats.${f}`)}
                </option>
              ))}
            </select>
          </label>
          {format === 'shadowserver' && (
            <label className="field">
              <span>{t('reports.format.reportType')}</span>
              <input value={reportType} onChange={(e) => setReportType(e.target.value.trim())} />
              <small className="muted">{t('reports.format.reportTypeHint')}</small>
            </label>
          )}
          {csv && (
            <label className="field">
              <span>{t('reports.mapping.label')}</span>
              <select
                value={mappingChoice}
                onChange={(e) => chooseMapping(e.target.value)}
                disabled={busy}
                data-testid="report-mapping"
              >
                <option value="">{t('reports.mapping.choose')}</option>
                {/* Just saved, the list has not been read again yet: the chosen name is an option meanwhile. */}
                {mappingChoice !== '' &&
                  mappingChoice !== NEW_MAPPING &&
                  !mappings.data?.items.some((m) => m.name === mappingChoice) && (
                    <option value={mappingChoice}>{mappingChoice}</option>
                  )}
                {mappings.data?.items.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.description ? `${m.name} — ${m.description}` : m.name}
                  </option>
                ))}
                <option value={NEW_MAPPING}>{t('reports.mapping.new')}</option>
              </select>
            </label>
          )}
          {csv && mappingChoice !== '' && !building && (
            <button type="button" className="button button-small" onClick={() => void editCopy()}>
              {t('reports.mapping.editCopy')}
            </button>
          )}
        </div>
      )}

      {file && preview.data && format === '' && preview.data.detected && preview.data.format && (
        <p className="muted" data-testid="report-detected">
          {t('reports.format.detected', { format: t(`reports.formats.${preview.data.format}`) })}
        </p>
      )}
      {suggested && (
        <p className="alert alert-info" data-testid="report-mapping-suggested">
          {t('reports.format.suggested', { name: suggested })}
        </p>
      )}
      {file && preview.data && preview.data.format === null && format === '' && (
        <p className="alert alert-warn" data-testid="report-not-detected">
          {t('reports.format.notDetected')}
        </p>
      )}
      {csv && mappingChoice === '' && <p className="muted">{t('reports.mapping.chooseFirst')}</p>}

      {csv && building && (
        <>
          <MappingBuilder
            draft={draft}
            onChange={(next) => {
              setDraft(next);
              setSavedName(null);
            }}
            columns={csvSample?.columns ?? []}
            rows={csvSample?.rows ?? []}
          />
          {csvSample && csvSample.problems.length > 0 && (
            <div className="alert alert-warn alert-block" data-testid="mapping-problems">
              <div>{t('reports.mapping.problems')}</div>
              <ul>
                {csvSample.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </div>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="button"
              onClick={() => void saveMapping()}
              disabled={saving || !(draft.name ?? '').trim()}
              data-testid="mapping-save"
            >
              {saving ? t('reports.mapping.saving') : t('reports.mapping.save')}
            </button>
            <span className="muted small">{t('reports.mapping.saveFirst')}</span>
          </div>
        </>
      )}
      {saveError && <ErrorMessage error={saveError} testId="mapping-save-error" />}
      {savedName && (
        <p className="alert alert-ok" data-testid="mapping-saved">
          {t('reports.mapping.saved', { name: savedName })}
        </p>
      )}

      {file && run?.phase !== 'done' && (
        <section className="section">
          <div className="section-header">
            <h2>{t('reports.preview.title')}</h2>
            {preview.loading && <span className="muted small">{t('reports.preview.reading')}</span>}
          </div>
          {preview.error && <ErrorMessage error={preview.error} testId="preview-error" />}
          {csvSample && (csv || preview.data?.format === null) && (
            <CsvSampleTable columns={csvSample.columns} rows={csvSample.rows} />
          )}
          {preview.data && preview.data.format !== null && <ReportPreviewPanel preview={preview.data} />}
        </section>
      )}

      {file && run?.phase !== 'done' && (
        <section className="section">
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={() => void startImport()}
              disabled={!canImport}
              data-testid="report-import"
            >
              {t('reports.import.button')}
            </button>
          </div>
          {run?.phase === 'uploading' &&
            (run.sent < run.total ? (
              <UploadProgress sent={run.sent} total={run.total} />
            ) : (
              <p className="muted" data-testid="upload-processing">
                {t('reports.import.processing')}
              </p>
            ))}
          {run?.phase === 'job' && <ImportJobProgress jobId={run.jobId} onDone={jobDone} onFailed={jobFailed} />}
          {run?.phase === 'failed' && (
            <ErrorMessage
              error={t('reports.import.failed', {
                error: typeof run.error === 'string' ? run.error : run.error.message,
              })}
              testId="import-error"
            />
          )}
        </section>
      )}
      {run?.phase === 'done' && <ImportResult outcome={run.outcome} onAnother={reset} />}
    </div>
  );
}

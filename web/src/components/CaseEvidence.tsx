// A report exactly as it was received — the mail, the CSV, the JSON — shown as text in a <pre>: whatever it holds
// (a reporter's HTML, a quoted <script>) is characters on the screen, never markup. Reading it is recorded on the
// server, so it is fetched only when a person opens it.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toApiError, type ApiError } from '../api';
import { evidencePath, fetchEvidence, type EvidenceText } from '../case-api';
import { useApp } from '../context';
import { ErrorMessage } from './ErrorMessage';

export function CaseEvidence({ reportId }: { reportId: number }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const [evidence, setEvidence] = useState<EvidenceText>();
  const [error, setError] = useState<ApiError>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setError(undefined);
    fetchEvidence(reportId, controller.signal).then(
      (e) => {
        if (!controller.signal.aborted) setEvidence(e);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(toApiError(err));
      },
    );
    return () => controller.abort();
  }, [reportId, attempt]);

  if (error) return <ErrorMessage error={error} onRetry={() => setAttempt((a) => a + 1)} testId="evidence-error" />;
  if (!evidence) return <p className="muted small">{t('common.loading')}</p>;
  return (
    <div className="evidence" data-testid="evidence">
      <p className="small muted evidence-meta">
        {t('casePage.evidence.meta', { id: reportId, size: fmt.bytes(evidence.bytes) })}
        {evidence.sha256 && <span className="mono"> SHA-256 {evidence.sha256}</span>}{' '}
        <a href={evidencePath(reportId)} download>
          {t('casePage.evidence.download')}
        </a>
      </p>
      {evidence.truncated && (
        <p className="small alert alert-info">
          {t('casePage.evidence.truncated', { shown: fmt.bytes(evidence.text.length) })}
        </p>
      )}
      <pre
        className="evidence-text"
        tabIndex={0}
        aria-label={t('casePage.evidence.label', { id: reportId })}
        data-testid="evidence-text"
      >
        {evidence.text}
      </pre>
    </div>
  );
}

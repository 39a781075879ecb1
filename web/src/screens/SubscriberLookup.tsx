// Subscriber look-up: who held an address (and port) at a time. Data under the secrecy of communications, so the
// purpose comes first (from the server's list), the screen says the look-up is recorded, and contact details appear
// only for roles that may read subscriber records. Legal holds are listed below for legal and admin.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { PurposeList, WhoAnswer } from '../api-types/admin';
import { AttributionResult } from '../components/AttributionResult';
import { ErrorMessage } from '../components/ErrorMessage';
import { LegalHolds } from '../components/LegalHolds';
import { LookupForm, type WhoQuery } from '../components/LookupForm';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { AUDIT_READ, may, SUBSCRIBER_READ } from '../role-permissions';
import '../styles/admin.css';

function whoPath(query: WhoQuery): string {
  const params = new URLSearchParams({ address: query.address, at: query.at, purpose: query.purpose });
  if (query.port !== undefined) params.set('port', String(query.port));
  if (query.reference) params.set('reference', query.reference);
  return `/api/attribution/who?${params}`;
}

export function SubscriberLookup() {
  const { t } = useTranslation();
  const { user } = useApp();
  const purposes = useApi<PurposeList>('/api/attribution/purposes');
  const [answer, setAnswer] = useState<WhoAnswer>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const lookUp = async (query: WhoQuery) => {
    setBusy(true);
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await api.get<WhoAnswer>(whoPath(query)));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="lookup-title">{t('lookup.title')}</h1>
      </header>
      <p className="muted intro">{t('lookup.intro')}</p>
      <div className="alert alert-info alert-block lookup-recorded" role="note" data-testid="lookup-recorded">
        {t('lookup.recorded')}
      </div>
      {purposes.error && (
        <ErrorMessage
          error={`${t('lookup.problems.purposesFailed')} ${purposes.error.message}`}
          onRetry={purposes.reload}
        />
      )}
      {!purposes.data && purposes.loading && <p className="muted">{t('common.loading')}</p>}
      {purposes.data && <LookupForm purposes={purposes.data.items} busy={busy} onSubmit={(q) => void lookUp(q)} />}
      {error && <ErrorMessage error={error} testId="lookup-error" />}
      {answer && <AttributionResult answer={answer} mayReadContact={may(user.role, SUBSCRIBER_READ)} />}
      {may(user.role, AUDIT_READ) && <LegalHolds />}
    </div>
  );
}

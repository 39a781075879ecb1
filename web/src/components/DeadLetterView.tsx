// One dead letter opened: reason, position, source, format and the raw bytes, always as text in a <pre> (a record
// from the network is never rendered as HTML), with a hex view for bytes that are not valid UTF-8.
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../hooks';
import { useApp } from '../context';
import type { DeadLetterRecord } from '../api-types/deadletters';
import { base64ToBytes, hexDump, utf8OrNull } from '../deadletter-bytes';
import { ErrorMessage } from './ErrorMessage';
import { Time } from './Time';

export function DeadLetterView(props: { id: number; onClose(): void }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const record = useApi<DeadLetterRecord>(`/api/deadletters/${props.id}`);
  const letter = record.data;
  const bytes = useMemo(() => (letter ? base64ToBytes(letter.raw) : null), [letter]);
  const text = useMemo(() => (bytes ? utf8OrNull(bytes) : null), [bytes]);
  const [hexChosen, setHexChosen] = useState(false);
  const showHex = hexChosen || (bytes !== null && text === null);

  return (
    <section className="card deadletter-view" data-testid="deadletter-view" aria-labelledby="deadletter-view-title">
      <header className="deadletter-view-head">
        <h2 id="deadletter-view-title">{t('deadLetters.view.title', { id: props.id })}</h2>
        <button type="button" className="button button-small" onClick={props.onClose} data-testid="deadletter-close">
          {t('deadLetters.view.close')}
        </button>
      </header>
      <p className="muted small" data-testid="deadletter-recorded">
        {t('deadLetters.view.recorded')}
      </p>
      {record.error && <ErrorMessage error={record.error} onRetry={record.reload} />}
      {!letter && record.loading && <p className="muted">{t('common.loading')}</p>}
      {letter && bytes && (
        <>
          <dl className="deadletter-facts">
            <dt>{t('deadLetters.columns.source')}</dt>
            <dd className="wrap-anywhere" data-testid="deadletter-view-source">
              {letter.source}
            </dd>
            <dt>{t('deadLetters.columns.format')}</dt>
            <dd className="mono">{letter.format}</dd>
            <dt>{t('deadLetters.columns.position')}</dt>
            <dd className="mono wrap-anywhere" data-testid="deadletter-view-position">
              {letter.position}
            </dd>
            <dt>{t('deadLetters.columns.reason')}</dt>
            <dd className="wrap" data-testid="deadletter-view-reason">
              {letter.reason}
            </dd>
            <dt>{t('deadLetters.columns.receivedAt')}</dt>
            <dd>
              <Time value={letter.receivedAt} />
            </dd>
            <dt>{t('deadLetters.view.replays')}</dt>
            <dd>
              {fmt.number(letter.replayCount)}
              {letter.replayedAt && (
                <>
                  {' · '}
                  <Time value={letter.replayedAt} />
                </>
              )}
            </dd>
            {letter.lastError && (
              <>
                <dt>{t('deadLetters.view.lastError')}</dt>
                <dd className="wrap" data-testid="deadletter-view-last-error">
                  {letter.lastError}
                </dd>
              </>
            )}
          </dl>
          <div className="deadletter-raw-head">
            <h3>{t('deadLetters.view.raw', { size: fmt.bytes(bytes.length) })}</h3>
            {text !== null ? (
              <label className="deadletter-hex-toggle">
                <input
                  type="checkbox"
                  checked={hexChosen}
                  onChange={(e) => setHexChosen(e.target.checked)}
                  data-testid="deadletter-hex-toggle"
                />{' '}
                {t('deadLetters.view.showHex')}
              </label>
            ) : (
              <span className="badge badge-warning" data-testid="deadletter-not-utf8">
                {t('deadLetters.view.notUtf8')}
              </span>
            )}
          </div>
          <pre className="deadletter-raw" data-testid={showHex ? 'deadletter-hex' : 'deadletter-raw'} tabIndex={0}>
            {showHex ? hexDump(bytes) : text}
          </pre>
        </>
      )}
    </section>
  );
}

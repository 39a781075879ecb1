// An error box with the server's (already localised) message and an optional retry.
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api';

export function ErrorMessage(props: { error: ApiError | string; onRetry?: () => void; testId?: string }) {
  const { t } = useTranslation();
  const message = typeof props.error === 'string' ? props.error : props.error.message;
  return (
    <div className="alert alert-error" role="alert" data-testid={props.testId}>
      <span>{message}</span>
      {props.onRetry && (
        <button type="button" className="button button-small" onClick={props.onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

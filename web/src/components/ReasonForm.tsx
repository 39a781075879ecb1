// The reason every change to a case is recorded with: a small form that opens under the button that asked for it,
// with the action's own confirm button. Nothing is sent until the person has written why.
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

export interface ReasonFormProps {
  /** What is about to happen, in words ("Resolve case 12"). */
  title: string;
  confirmLabel: string;
  busy: boolean;
  /** Optional: the approver's reason may be left empty. */
  optional?: boolean;
  onConfirm(reason: string): void;
  onCancel(): void;
  testId: string;
}

/** The server asks for at least this many characters of reason. */
export const MIN_REASON = 3;

export function ReasonForm(props: ReasonFormProps) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const id = useId();
  const ready = props.optional
    ? reason.trim() === '' || reason.trim().length >= MIN_REASON
    : reason.trim().length >= MIN_REASON;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ready && !props.busy) props.onConfirm(reason.trim());
  };
  return (
    <form className="reason-form" onSubmit={submit} data-testid={props.testId}>
      <p className="reason-form-title">{props.title}</p>
      <label className="field" htmlFor={id}>
        <span>{props.optional ? t('casePage.reason.optionalLabel') : t('casePage.reason.label')}</span>
      </label>
      <textarea
        id={id}
        rows={2}
        value={reason}
        maxLength={2000}
        autoFocus
        onChange={(e) => setReason(e.target.value)}
        placeholder={t('casePage.reason.hint')}
        data-testid={`${props.testId}-reason`}
      />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={!ready || props.busy}
          data-testid={`${props.testId}-confirm`}
        >
          {props.busy ? t('casePage.working') : props.confirmLabel}
        </button>
        <button type="button" className="button button-small" onClick={props.onCancel} disabled={props.busy}>
          {t('casePage.reason.cancel')}
        </button>
        {!props.optional && reason.trim().length > 0 && reason.trim().length < MIN_REASON && (
          <span className="muted small">{t('casePage.reason.tooShort', { min: MIN_REASON })}</span>
        )}
      </div>
    </form>
  );
}

// Forced password change: shown before anything else while the user still has a one-time password.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError } from '../api';
import { LanguageSwitch } from '../components/LanguageSwitch';
import type { User } from '../types';

export const MIN_PASSWORD_LENGTH = 12;

export function ChangePassword(props: { user: User; onChanged(): Promise<void>; onLogout(): void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const problem = (): string | null => {
    if (!current || !next || !repeat) return t('password.required');
    if ([...next].length < MIN_PASSWORD_LENGTH) return t('password.tooShort', { min: MIN_PASSWORD_LENGTH });
    if (next !== repeat) return t('password.mismatch');
    if (next === current) return t('password.sameAsCurrent');
    return null;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const invalid = problem();
    if (invalid) {
      setError(invalid);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post<void>('/api/auth/password', { currentPassword: current, newPassword: next });
      await props.onChanged();
    } catch (err) {
      setError(toApiError(err).message);
      setBusy(false);
    }
  };

  // Shown while typing, before submit: the mismatch is the mistake people most often make.
  const liveMismatch = repeat.length > 0 && next.length > 0 && !next.startsWith(repeat) && next !== repeat;

  return (
    <div className="auth-page">
      <div className="auth-toolbar">
        <LanguageSwitch />
      </div>
      <main className="auth-card auth-card-wide">
        <div className="brand brand-large">{t('app.name')}</div>
        <h1>{t('password.title')}</h1>
        <p className="muted">{t('header.user', { username: props.user.username })}</p>
        <p>{t('password.intro')}</p>
        {(error || liveMismatch) && (
          <div className="alert alert-error" role="alert" data-testid="pw-error">
            {error ?? t('password.mismatch')}
          </div>
        )}
        <form onSubmit={submit} className="form" noValidate>
          <label className="field">
            <span>{t('password.current')}</span>
            <input
              data-testid="pw-current"
              type="password"
              autoComplete="current-password"
              required
              autoFocus
              value={current}
              onChange={(event) => setCurrent(event.target.value)}
            />
          </label>
          <label className="field">
            <span>{t('password.new')}</span>
            <input
              data-testid="pw-new"
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              value={next}
              onChange={(event) => setNext(event.target.value)}
            />
            <small className="muted">{t('password.hint', { min: MIN_PASSWORD_LENGTH })}</small>
          </label>
          <label className="field">
            <span>{t('password.repeat')}</span>
            <input
              data-testid="pw-repeat"
              type="password"
              autoComplete="new-password"
              required
              value={repeat}
              onChange={(event) => setRepeat(event.target.value)}
            />
          </label>
          <div className="form-actions">
            <button data-testid="pw-submit" type="submit" className="button button-primary" disabled={busy}>
              {busy ? t('password.submitting') : t('password.submit')}
            </button>
            <button type="button" className="button button-link" onClick={props.onLogout}>
              {t('password.logoutInstead')}
            </button>
          </div>
        </form>
      </main>
    </div>
  );
}

// Sign-in: user name and password. A failed attempt shows a message in the UI's language.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError } from '../api';
import { LanguageSwitch } from '../components/LanguageSwitch';
import type { Session } from '../types';

export function Login(props: { onLoggedIn(session: Session): void; notice?: string | undefined }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const session = await api.post<Session>('/api/auth/login', { username, password });
      props.onLoggedIn(session);
    } catch (err) {
      const apiError = toApiError(err);
      // 401 is always "wrong user or password", worded by the UI; other failures (rate limit, server down) carry
      // the server's own localised message.
      setError(apiError.status === 401 ? t('login.failed') : apiError.message);
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <div className="auth-toolbar">
        <LanguageSwitch />
      </div>
      <main className="auth-card">
        <div className="brand brand-large">{t('app.name')}</div>
        <p className="muted auth-tagline">{t('app.tagline')}</p>
        <h1>{t('login.title')}</h1>
        {props.notice && !error && <div className="alert alert-info">{props.notice}</div>}
        {error && (
          <div className="alert alert-error" role="alert" data-testid="login-error">
            {error}
          </div>
        )}
        <form onSubmit={submit} className="form">
          <label className="field">
            <span>{t('login.username')}</span>
            <input
              data-testid="login-username"
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              autoFocus
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          </label>
          <label className="field">
            <span>{t('login.password')}</span>
            <input
              data-testid="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
          <button data-testid="login-submit" type="submit" className="button button-primary" disabled={busy}>
            {busy ? t('login.submitting') : t('login.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}

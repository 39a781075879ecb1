// Session state machine: restore the session at load (/api/auth/me), then sign-in, the forced password change while
// the user still has a one-time password, and the app shell.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, setCsrfToken, setUnauthorizedHandler, toApiError, type ApiError } from './api';
import { ErrorMessage } from './components/ErrorMessage';
import { Shell } from './components/Shell';
import { AppContext, type AppContextValue } from './context';
import { DEFAULT_TIME_ZONE, isValidTimeZone, makeFormatters } from './format';
import { currentLocale } from './i18n';
import { navigate } from './router';
import { ChangePassword } from './screens/ChangePassword';
import { Login } from './screens/Login';
import type { Meta, Session, User } from './types';

const TIME_ZONE_KEY = 'mizugiwa.timezone';

type Phase =
  | { kind: 'booting' }
  | { kind: 'unreachable'; error: ApiError }
  | { kind: 'anonymous'; notice?: string }
  | { kind: 'signedIn'; user: User };

function storedTimeZone(): string | null {
  try {
    const zone = localStorage.getItem(TIME_ZONE_KEY);
    return zone && isValidTimeZone(zone) ? zone : null;
  } catch {
    return null;
  }
}

/** The current session, or null when nobody is signed in. */
async function fetchSession(): Promise<Session | null> {
  try {
    const session = await api.get<Partial<Session>>('/api/auth/me');
    // Only a browser session counts; the endpoint also answers for API tokens, without a user.
    return session.user && session.csrfToken ? { user: session.user, csrfToken: session.csrfToken } : null;
  } catch (err) {
    if (toApiError(err).status === 401) return null;
    throw err;
  }
}

export function App() {
  const { t } = useTranslation();
  const locale = currentLocale();
  const [phase, setPhase] = useState<Phase>({ kind: 'booting' });
  const [meta, setMeta] = useState<Meta | null>(null);
  const [chosenZone, setChosenZone] = useState<string | null>(storedTimeZone);
  const [bootGeneration, setBootGeneration] = useState(0);

  const applySession = useCallback((session: Session | null) => {
    setCsrfToken(session?.csrfToken ?? null);
    setPhase(session ? { kind: 'signedIn', user: session.user } : { kind: 'anonymous' });
  }, []);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const metaPromise = api.get<Meta>('/api/meta').catch(() => null);
      try {
        const session = await fetchSession();
        const loadedMeta = await metaPromise;
        if (cancelled) return;
        setMeta(loadedMeta);
        applySession(session);
      } catch (err) {
        if (!cancelled) setPhase({ kind: 'unreachable', error: toApiError(err) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [applySession, bootGeneration]);

  // Any 401 from the API while signed in means the session is gone: back to the sign-in screen, saying why.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setPhase((current) => (current.kind === 'signedIn' ? { kind: 'anonymous', notice: 'expired' } : current));
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.post<void>('/api/auth/logout');
    } catch {
      // Signing out locally is what matters; the server forgets the session when it expires.
    }
    setCsrfToken(null);
    setPhase({ kind: 'anonymous' });
    // The next person to sign in starts at the overview (after an expired session the path is kept instead).
    navigate('/', { replace: true });
  }, []);

  const serverZone = meta?.timezone && isValidTimeZone(meta.timezone) ? meta.timezone : DEFAULT_TIME_ZONE;
  const timeZone = chosenZone ?? serverZone;
  const setTimeZone = useCallback((zone: string) => {
    if (!isValidTimeZone(zone)) return;
    try {
      localStorage.setItem(TIME_ZONE_KEY, zone);
    } catch {
      // Not remembered when storage is disabled; still applies to this page.
    }
    setChosenZone(zone);
  }, []);

  const fmt = useMemo(() => makeFormatters(locale, timeZone, t), [locale, timeZone, t]);
  const user = phase.kind === 'signedIn' ? phase.user : null;
  const context = useMemo<AppContextValue | null>(
    () => (user ? { user, meta, timeZone, setTimeZone, fmt, logout } : null),
    [user, meta, timeZone, setTimeZone, fmt, logout],
  );

  switch (phase.kind) {
    case 'booting':
      return <div className="boot muted">{t('app.loading')}</div>;
    case 'unreachable':
      return (
        <div className="boot">
          <div className="brand brand-large">{t('app.name')}</div>
          <p>{t('app.bootFailed')}</p>
          <ErrorMessage
            error={phase.error}
            onRetry={() => {
              setPhase({ kind: 'booting' });
              setBootGeneration((g) => g + 1);
            }}
          />
        </div>
      );
    case 'anonymous':
      return (
        <Login onLoggedIn={applySession} notice={phase.notice === 'expired' ? t('errors.sessionExpired') : undefined} />
      );
    case 'signedIn':
      if (phase.user.mustChangePassword) {
        return (
          <ChangePassword
            user={phase.user}
            onChanged={async () => applySession(await fetchSession())}
            onLogout={() => void logout()}
          />
        );
      }
      return (
        <AppContext.Provider value={context}>
          <Shell />
        </AppContext.Provider>
      );
  }
}

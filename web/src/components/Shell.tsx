// The signed-in frame: header (product, user and role, language, time zone, sign-out), the navigation built from the
// route table for the user's role, and the current screen.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { DEFAULT_TIME_ZONE } from '../format';
import { navigate, usePath, useVisit } from '../router';
import { allowed, findRoute, navigationFor } from '../routes';
import { LanguageSwitch } from './LanguageSwitch';
import { Link } from './Link';
import { TimeZoneSelect } from './TimeZoneSelect';

export function Shell() {
  const { t } = useTranslation();
  const { user, meta, timeZone, setTimeZone, logout } = useApp();
  const path = usePath();
  const visit = useVisit();
  const found = findRoute(path);
  const route = found?.route;
  const visible = route !== undefined && allowed(route, user.role);
  const navigation = navigationFor(user.role);

  useEffect(() => {
    if (!visible) navigate('/', { replace: true });
  }, [visible]);

  useEffect(() => {
    document.title = route && visible ? `${t(route.label)} · ${t('app.name')}` : t('app.name');
  }, [route, visible, t]);

  const Screen = visible ? route.component : null;

  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/" className="brand" data-testid="brand">
          {t('app.name')}
        </Link>
        <div className="topbar-tools">
          <span
            className="user"
            data-testid="user"
            title={`${t('header.user', { username: user.username })}${user.displayName ? ` (${user.displayName})` : ''}`}
          >
            <span className="user-name">{user.username}</span>
            <span className="badge badge-role" data-testid="user-role">
              {t(`roles.${user.role}`, { defaultValue: user.role })}
            </span>
          </span>
          <LanguageSwitch />
          <TimeZoneSelect value={timeZone} serverDefault={meta?.timezone ?? DEFAULT_TIME_ZONE} onChange={setTimeZone} />
          <button type="button" className="button button-small" data-testid="logout" onClick={() => void logout()}>
            {t('header.logout')}
          </button>
        </div>
      </header>
      <div className="body">
        <nav className="sidenav" aria-label={t('app.mainNav')} data-testid="nav">
          <ul>
            {navigation.map((entry) => (
              <li key={entry.path}>
                <Link
                  href={entry.path}
                  className="nav-link"
                  aria-current={route?.label === entry.label ? 'page' : undefined}
                  data-testid={`nav-${entry.label.slice('nav.'.length)}`}
                >
                  {t(entry.label)}
                </Link>
              </li>
            ))}
          </ul>
          {meta && <div className="sidenav-footer muted">v{meta.version}</div>}
        </nav>
        <main className="content">{Screen && found && <Screen key={visit} params={found.params} />}</main>
      </div>
    </div>
  );
}

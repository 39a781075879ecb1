// Settings → users and roles: who may sign in and with which role. A new user (or a reset) gets a one-time password
// from the server, shown here once; each change is audited on the server.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../../api';
import type { ManagedUser, RoleList, UserList } from '../../api-types/admin';
import { ChangeOutcome } from '../../components/ChangeOutcome';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RoleSelect } from '../../components/RoleSelect';
import { ShownOnce } from '../../components/ShownOnce';
import { Time } from '../../components/Time';
import { useApp } from '../../context';
import { useApi } from '../../hooks';
import { useChange } from '../../use-change';
import { permissionLabel } from '../../permission-terms';
import type { Role } from '../../types';
import '../../styles/admin.css';

export function UsersTab() {
  const { t } = useTranslation();
  const { user: me } = useApp();
  const users = useApi<UserList>('/api/users');
  const roles = useApi<RoleList>('/api/roles');
  const changes = useChange(users.reload);
  const [oneTime, setOneTime] = useState<{ username: string; password: string }>();

  /** Sends a change; on success shows what changed (and a one-time password if the server made one). */
  const change = (send: () => Promise<ManagedUser>, describe: (user: ManagedUser) => string | undefined) =>
    changes.run(send, (user) => {
      if (user.oneTimePassword) setOneTime({ username: user.username, password: user.oneTimePassword });
      return describe(user);
    });
  const patch = (username: string, body: object) =>
    request<ManagedUser>('PATCH', `/api/users/${encodeURIComponent(username)}`, body);

  return (
    <div className="settings-panel" data-testid="users-tab">
      <p className="muted intro">{t('settings.users.intro')}</p>
      {oneTime && (
        <ShownOnce
          testId="user-password"
          title={t('settings.users.oneTimeTitle', { username: oneTime.username })}
          text={t('settings.users.oneTimeText', { username: oneTime.username })}
          secret={oneTime.password}
          dismissLabel={t('settings.users.dismiss')}
          onDismiss={() => setOneTime(undefined)}
        />
      )}
      <ChangeOutcome change={changes} errorTestId="users-error" doneTestId="users-done" />
      {users.error && <ErrorMessage error={users.error} onRetry={users.reload} />}
      {users.data && (
        <div className="table-wrap">
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th>{t('settings.users.columns.username')}</th>
                <th>{t('settings.users.columns.displayName')}</th>
                <th>{t('settings.users.columns.role')}</th>
                <th>{t('settings.users.columns.state')}</th>
                <th>{t('settings.users.columns.lastLogin')}</th>
                <th>{t('settings.users.columns.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <UserRow
                  key={user.id}
                  user={user}
                  isMe={user.id === me.id}
                  busy={changes.busy}
                  onRole={(role) =>
                    change(
                      () => patch(user.username, { role }),
                      (u) =>
                        t('settings.users.changed', {
                          username: u.username,
                          what: t('settings.users.roleChanged', { role: t(`roles.${u.role}`) }),
                        }),
                    )
                  }
                  onDisabled={(disabled) => {
                    if (disabled && !window.confirm(t('settings.users.confirmDisable', { username: user.username })))
                      return;
                    void change(
                      () => patch(user.username, { disabled }),
                      (u) =>
                        t('settings.users.changed', {
                          username: u.username,
                          what: t(disabled ? 'settings.users.disabled' : 'settings.users.enabled'),
                        }),
                    );
                  }}
                  onReset={() => {
                    if (!window.confirm(t('settings.users.confirmReset', { username: user.username }))) return;
                    void change(
                      () => patch(user.username, { resetPassword: true }),
                      () => undefined,
                    );
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AddUser
        busy={changes.busy}
        onAdd={(body) =>
          change(
            () => request<ManagedUser>('POST', '/api/users', body),
            () => undefined,
          )
        }
      />
      {roles.data && (
        <section className="section">
          <h2>{t('settings.users.rolesTitle')}</h2>
          <div className="table-wrap">
            <table className="table" data-testid="roles-table">
              <tbody>
                {roles.data.items.map((grant) => (
                  <tr key={grant.role}>
                    <th scope="row">{t(`roles.${grant.role}`)}</th>
                    <td className="wrap">{grant.permissions.map((p) => permissionLabel(p, t)).join(' · ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {roles.error && <ErrorMessage error={roles.error} onRetry={roles.reload} />}
    </div>
  );
}

function UserRow(props: {
  user: ManagedUser;
  isMe: boolean;
  busy: boolean;
  onRole(role: Role): Promise<boolean>;
  onDisabled(disabled: boolean): void;
  onReset(): void;
}) {
  const { t } = useTranslation();
  const { user } = props;
  const [role, setRole] = useState<Role>(user.role);
  const disabled = user.disabledAt !== null;
  return (
    <tr data-testid="user-row" data-username={user.username} className={disabled ? 'row-muted' : undefined}>
      <td className="mono" data-testid="user-name">
        {user.username}
        {props.isMe && <span className="muted"> {t('settings.users.you')}</span>}
        <span className="block small muted">
          {t('settings.users.columns.createdAt')} <Time value={user.createdAt} />
        </span>
      </td>
      <td>{user.displayName ?? t('common.none')}</td>
      <td data-testid="user-row-role">{t(`roles.${user.role}`)}</td>
      <td data-testid="user-state">
        {disabled ? (
          <span className="badge badge-disabled">{t('settings.users.states.disabled')}</span>
        ) : (
          <span className="badge badge-enabled">{t('settings.users.states.active')}</span>
        )}
        {user.mustChangePassword && !disabled && (
          <span className="badge badge-warning">{t('settings.users.states.mustChange')}</span>
        )}
      </td>
      <td>
        <Time value={user.lastLoginAt} />
      </td>
      <td>
        <div className="row-actions">
          <RoleSelect
            label={t('settings.users.changeRole', { username: user.username })}
            value={role}
            onChange={setRole}
            testId="user-role-select"
          />
          <button
            type="button"
            className="button button-small"
            disabled={props.busy || role === user.role}
            onClick={() => void props.onRole(role)}
            data-testid="user-role-save"
          >
            {t('settings.users.saveRole')}
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={props.busy}
            onClick={props.onReset}
            data-testid="user-reset"
          >
            {t('settings.users.resetPassword')}
          </button>
          {!props.isMe && (
            <button
              type="button"
              className="button button-small"
              disabled={props.busy}
              onClick={() => props.onDisabled(!disabled)}
              data-testid="user-toggle"
            >
              {disabled ? t('settings.users.enable') : t('settings.users.disable')}
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

function AddUser(props: {
  busy: boolean;
  onAdd(body: { username: string; role: Role; displayName?: string }): Promise<boolean>;
}) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('viewer');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { username: username.trim(), role, ...(displayName.trim() && { displayName: displayName.trim() }) };
    if (await props.onAdd(body)) {
      setUsername('');
      setDisplayName('');
      setRole('viewer');
    }
  };

  return (
    <form className="filters settings-form" onSubmit={submit} data-testid="user-add">
      <h3 className="form-title">{t('settings.users.add')}</h3>
      <label className="field">
        <span>{t('settings.users.username')}</span>
        <input
          type="text"
          value={username}
          required
          autoComplete="off"
          spellCheck={false}
          placeholder={t('settings.users.usernameHint')}
          onChange={(e) => setUsername(e.target.value)}
          data-testid="user-add-username"
        />
      </label>
      <label className="field">
        <span>{t('settings.users.displayName')}</span>
        <input
          type="text"
          value={displayName}
          maxLength={200}
          onChange={(e) => setDisplayName(e.target.value)}
          data-testid="user-add-display"
        />
      </label>
      <label className="field">
        <span>{t('settings.users.role')}</span>
        <RoleSelect value={role} onChange={setRole} testId="user-add-role" />
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={props.busy} data-testid="user-add-submit">
          {t('settings.users.submit')}
        </button>
      </div>
    </form>
  );
}

// Settings → API tokens: list with role, permissions and expiry; create (the secret is shown once); revoke.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../../api';
import type { ApiTokenInfo, CreatedToken, RoleList, TokenList } from '../../api-types/admin';
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
import { wallTimeToUtc } from '../../zoned-time';
import '../../styles/admin.css';

const EXPIRY_CHOICES = ['30d', '90d', '365d', 'never', 'date'] as const;
type ExpiryChoice = (typeof EXPIRY_CHOICES)[number];

function tokenState(token: ApiTokenInfo, now: number): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'active';
}

export function TokensTab() {
  const { t } = useTranslation();
  const tokens = useApi<TokenList>('/api/tokens');
  const roles = useApi<RoleList>('/api/roles');
  const change = useChange(tokens.reload);
  const [created, setCreated] = useState<CreatedToken>();
  const now = Date.now();

  const permissionsOf = (role: Role): string =>
    (roles.data?.items.find((r) => r.role === role)?.permissions ?? []).map((p) => permissionLabel(p, t)).join(' · ');

  const revoke = (token: ApiTokenInfo) => {
    if (!window.confirm(t('settings.tokens.confirmRevoke', { name: token.name }))) return;
    void change.run(
      () => request<ApiTokenInfo>('DELETE', `/api/tokens/${token.id}`),
      (revoked) => t('settings.tokens.revoked', { name: revoked.name }),
    );
  };

  return (
    <div className="settings-panel" data-testid="tokens-tab">
      <p className="muted intro">{t('settings.tokens.intro')}</p>
      {created && (
        <ShownOnce
          testId="token-secret"
          title={t('settings.tokens.createdTitle', { name: created.token.name })}
          text={t('settings.tokens.createdText')}
          secret={created.secret}
          dismissLabel={t('settings.tokens.dismiss')}
          onDismiss={() => setCreated(undefined)}
        >
          <dl className="facts">
            <div>
              <dt>{t('settings.tokens.createdRole')}</dt>
              <dd data-testid="token-secret-role">{t(`roles.${created.token.role}`)}</dd>
            </div>
            <div>
              <dt>{t('settings.tokens.createdPermissions')}</dt>
              <dd>{permissionsOf(created.token.role)}</dd>
            </div>
            <div>
              <dt>{t('settings.tokens.createdExpiry')}</dt>
              <dd data-testid="token-secret-expiry">
                {created.token.expiresAt ? <Time value={created.token.expiresAt} /> : t('settings.tokens.never')}
              </dd>
            </div>
          </dl>
        </ShownOnce>
      )}
      <ChangeOutcome change={change} errorTestId="tokens-error" doneTestId="tokens-done" />
      {tokens.error && <ErrorMessage error={tokens.error} onRetry={tokens.reload} />}
      {tokens.data && tokens.data.items.length === 0 && <p className="empty">{t('settings.tokens.empty')}</p>}
      {tokens.data && tokens.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="tokens-table">
            <thead>
              <tr>
                <th>{t('settings.tokens.columns.name')}</th>
                <th>{t('settings.tokens.columns.role')}</th>
                <th>{t('settings.tokens.columns.createdBy')}</th>
                <th>{t('settings.tokens.columns.expiresAt')}</th>
                <th>{t('settings.tokens.columns.lastUsedAt')}</th>
                <th>{t('settings.tokens.columns.state')}</th>
                <th>{t('settings.tokens.columns.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.map((token) => {
                const state = tokenState(token, now);
                return (
                  <tr
                    key={token.id}
                    data-testid="token-row"
                    data-name={token.name}
                    className={state === 'active' ? undefined : 'row-muted'}
                  >
                    <td className="mono" data-testid="token-name">
                      {token.name}
                    </td>
                    <td className="wrap">
                      <span data-testid="token-role">{t(`roles.${token.role}`)}</span>
                      <span className="block small muted">{permissionsOf(token.role)}</span>
                    </td>
                    <td>
                      {token.createdBy}
                      <span className="block small">
                        <Time value={token.createdAt} />
                      </span>
                    </td>
                    <td>{token.expiresAt ? <Time value={token.expiresAt} /> : t('settings.tokens.never')}</td>
                    <td>
                      <Time value={token.lastUsedAt} />
                    </td>
                    <td data-testid="token-state">
                      <span className={state === 'active' ? 'badge badge-enabled' : 'badge badge-disabled'}>
                        {t(`settings.tokens.states.${state}`)}
                      </span>
                    </td>
                    <td>
                      {state !== 'revoked' && (
                        <button
                          type="button"
                          className="button button-small"
                          disabled={change.busy}
                          onClick={() => revoke(token)}
                          data-testid="token-revoke"
                        >
                          {t('settings.tokens.revoke')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <AddToken
        busy={change.busy}
        permissionsOf={permissionsOf}
        onCreate={(body) =>
          change.run(
            () => request<CreatedToken>('POST', '/api/tokens', body),
            (result) => {
              setCreated(result);
              return undefined;
            },
          )
        }
      />
    </div>
  );
}

function AddToken(props: {
  busy: boolean;
  permissionsOf(role: Role): string;
  onCreate(body: { name: string; role: Role; expires?: string }): Promise<boolean>;
}) {
  const { t } = useTranslation();
  const { timeZone } = useApp();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [expiry, setExpiry] = useState<ExpiryChoice>('90d');
  const [date, setDate] = useState('');
  const [problem, setProblem] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) return setProblem(t('settings.tokens.problems.name'));
    let expires: string | undefined;
    if (expiry === 'date') {
      const at = wallTimeToUtc(date, timeZone);
      if (!at || Date.parse(at) <= Date.now()) return setProblem(t('settings.tokens.problems.date'));
      expires = at;
    } else if (expiry !== 'never') {
      expires = expiry;
    }
    setProblem(undefined);
    if (await props.onCreate({ name: trimmed, role, ...(expires && { expires }) })) {
      setName('');
      setRole('viewer');
      setExpiry('90d');
      setDate('');
    }
  };

  const permissions = props.permissionsOf(role);
  return (
    <form className="filters settings-form" onSubmit={submit} noValidate data-testid="token-add">
      <h3 className="form-title">{t('settings.tokens.add')}</h3>
      <label className="field">
        <span>{t('settings.tokens.name')}</span>
        <input
          type="text"
          value={name}
          maxLength={100}
          spellCheck={false}
          placeholder={t('settings.tokens.nameHint')}
          onChange={(e) => setName(e.target.value)}
          data-testid="token-add-name"
        />
      </label>
      <label className="field">
        <span>{t('settings.tokens.role')}</span>
        <RoleSelect value={role} onChange={setRole} testId="token-add-role" />
      </label>
      <label className="field">
        <span>{t('settings.tokens.expires')}</span>
        <select
          value={expiry}
          onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}
          data-testid="token-add-expiry"
        >
          {EXPIRY_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {t(`settings.tokens.expiryChoices.${choice}`)}
            </option>
          ))}
        </select>
      </label>
      {expiry === 'date' && (
        <label className="field">
          <span>{t('settings.tokens.expiryDate', { zone: timeZone })}</span>
          <input
            type="datetime-local"
            value={date}
            onChange={(e) => setDate(e.target.value)}
            data-testid="token-add-date"
          />
        </label>
      )}
      {permissions && (
        <p className="muted small settings-form-note" data-testid="token-add-grants">
          {t('settings.tokens.grants', { permissions })}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={props.busy} data-testid="token-add-submit">
          {t('settings.tokens.submit')}
        </button>
        {problem && (
          <span className="form-problem" role="alert">
            {problem}
          </span>
        )}
      </div>
    </form>
  );
}

import type { Command } from 'commander';
import { createToken, parseExpiry, revokeToken } from '../auth/tokens.js';
import { isRole, ROLES } from '../domain/roles.js';
import { listTokens } from '../store/tokens.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';

export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('manage API tokens for scripts and other systems (create, list, revoke)');

  withConfigOption(token.command('create <name>'))
    .description('create an API token; the secret is printed once')
    .requiredOption('-r, --role <role>', `one of ${ROLES.join(', ')}`)
    .option('-e, --expires <when>', 'ISO 8601 time or a duration such as 90d, 12h; default: no expiry')
    .action(async (name: string, opts: { role: string; expires?: string; config?: string }) => {
      if (!isRole(opts.role)) throw new Error(`--role: expected one of ${ROLES.join(', ')}, got "${opts.role}"`);
      const role = opts.role;
      await withStore(opts, async ({ store, audit }) => {
        const { token: created, secret } = await createToken(store.db, audit, {
          name,
          role,
          expiresAt: parseExpiry(opts.expires),
        });
        process.stderr.write(
          say(
            `created token ${created.id} "${created.name}" (${created.role}${created.expiresAt ? `, expires ${created.expiresAt}` : ''}). ` +
              'Store the secret now; it is not shown again:\n',
            `トークン ${created.id}「${created.name}」（${created.role}${created.expiresAt ? `、期限 ${created.expiresAt}` : ''}）を作成しました。` +
              'シークレットは再表示できないので今保存してください:\n',
          ),
        );
        process.stdout.write(`${secret}\n`);
      });
    });

  withConfigOption(token.command('list'))
    .description('list tokens (never their secrets)')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { config?: string; json?: boolean }) => {
      await withStore(opts, async ({ store }) => {
        const now = new Date().toISOString();
        const rows = (await listTokens(store.db)).map((t) => ({
          ...t,
          state: t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active',
        }));
        printTable(
          rows,
          ['id', 'name', 'role', 'state', 'expiresAt', 'lastUsedAt', 'createdBy', 'createdAt'],
          opts.json,
        );
      });
    });

  withConfigOption(token.command('revoke <id>'))
    .description('revoke a token at once')
    .action(async (id: string, opts: { config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const revoked = await revokeToken(store.db, audit, Number(id));
        process.stdout.write(
          say(
            `token ${revoked.id} "${revoked.name}" revoked\n`,
            `トークン ${revoked.id}「${revoked.name}」を失効させました\n`,
          ),
        );
      });
    });
}

import type { Command } from 'commander';
import { generatePassword } from '../auth/password.js';
import { createUser, setPassword, setUserDisabled, setUserRole } from '../auth/users.js';
import { isRole, ROLES, type Role } from '../domain/roles.js';
import { listUsers } from '../store/users.js';
import { say, withConfigOption, withStore } from './context.js';
import { printTable } from './output.js';
import { promptSecret, readFirstLine } from './secret-input.js';

type PasswordOptions = { passwordStdin?: boolean; oneTime?: boolean };

/**
 * Where a new password comes from: stdin (scripts), a hidden prompt (a person at a terminal), or,
 * with neither, a generated one-time password that is printed once and must be changed at sign-in.
 */
async function choosePassword(
  opts: PasswordOptions,
): Promise<{ password: string; oneTime: boolean; generated: boolean }> {
  if (opts.passwordStdin) return { password: await readFirstLine(), oneTime: opts.oneTime ?? false, generated: false };
  if (process.stdin.isTTY) {
    const first = await promptSecret(say('New password: ', '新しいパスワード: '));
    const second = await promptSecret(say('Repeat it: ', 'もう一度: '));
    if (first !== second)
      throw new Error(
        say('the two passwords differ; nothing was changed', '2 回の入力が一致しません。変更していません'),
      );
    return { password: first, oneTime: opts.oneTime ?? false, generated: false };
  }
  return { password: generatePassword(), oneTime: true, generated: true };
}

function parseRole(value: string): Role {
  if (!isRole(value)) throw new Error(`--role: expected one of ${ROLES.join(', ')}, got "${value}"`);
  return value;
}

export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('manage users who sign in to the web UI (add, list, passwd, disable, enable, role)');

  withConfigOption(user.command('add <username>'))
    .description('add a user; without --password-stdin a one-time password is asked for or generated')
    .requiredOption('-r, --role <role>', `one of ${ROLES.join(', ')}`, parseRole)
    .option('--display-name <name>', 'name shown in the UI')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--one-time', 'make the user change the password at first sign-in')
    .action(async (username: string, opts: PasswordOptions & { role: Role; displayName?: string; config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const chosen = await choosePassword(opts);
        const created = await createUser(store.db, audit, {
          username,
          role: opts.role,
          password: chosen.password,
          displayName: opts.displayName,
          mustChangePassword: chosen.oneTime,
        });
        process.stdout.write(
          say(
            `added user ${created.username} (${created.role})\n`,
            `ユーザー ${created.username}（${created.role}）を追加しました\n`,
          ),
        );
        if (chosen.generated) {
          process.stdout.write(say(`one-time password: ${chosen.password}\n`, `一時パスワード: ${chosen.password}\n`));
        }
      });
    });

  withConfigOption(user.command('list'))
    .description('list users with role, state and last sign-in')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { config?: string; json?: boolean }) => {
      await withStore(opts, async ({ store }) => {
        const users = await listUsers(store.db);
        printTable(
          users.map((u) => ({
            ...u,
            state: u.disabledAt ? 'disabled' : u.mustChangePassword ? 'must-change-password' : 'active',
          })),
          ['id', 'username', 'role', 'state', 'lastLoginAt', 'createdAt'],
          opts.json,
        );
      });
    });

  withConfigOption(user.command('passwd <username>'))
    .description("set a user's password (prompted, from stdin, or generated one-time); ends their sessions")
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--one-time', 'make the user change it at next sign-in')
    .action(async (username: string, opts: PasswordOptions & { config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const chosen = await choosePassword(opts);
        await setPassword(store.db, audit, username, chosen.password, chosen.oneTime);
        process.stdout.write(say(`password of ${username} changed\n`, `${username} のパスワードを変更しました\n`));
        if (chosen.generated)
          process.stdout.write(say(`one-time password: ${chosen.password}\n`, `一時パスワード: ${chosen.password}\n`));
      });
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    withConfigOption(user.command(`${name} <username>`))
      .description(disabled ? 'disable a user (they cannot sign in; sessions end)' : 'enable a disabled user again')
      .action(async (username: string, opts: { config?: string }) => {
        await withStore(opts, async ({ store, audit }) => {
          await setUserDisabled(store.db, audit, username, disabled);
          process.stdout.write(
            disabled
              ? say(`${username} disabled\n`, `${username} を無効にしました\n`)
              : say(`${username} enabled\n`, `${username} を有効にしました\n`),
          );
        });
      });
  }

  withConfigOption(user.command('role <username> <role>'))
    .description("change a user's role")
    .action(async (username: string, role: string, opts: { config?: string }) => {
      await withStore(opts, async ({ store, audit }) => {
        const updated = await setUserRole(store.db, audit, username, parseRole(role));
        process.stdout.write(
          say(
            `${updated.username} is now ${updated.role}\n`,
            `${updated.username} のロールを ${updated.role} にしました\n`,
          ),
        );
      });
    });
}

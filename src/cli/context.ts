import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import type { AuditContext } from '../domain/actor.js';
import { pickLocale, type Locale } from '../i18n/messages.js';
import { migrate } from '../store/migrate.js';
import { openStore, type Store } from '../store/open.js';

export type CliContext = {
  config: Config;
  /** The directory relative paths in the config are resolved against: the config file's, else the working directory. */
  configDir: string;
  store: Store;
  audit: AuditContext;
  locale: Locale;
};

/** The locale for CLI output, from LC_ALL / LC_MESSAGES / LANG (ja_JP.UTF-8 → ja). */
export function cliLocale(env: NodeJS.ProcessEnv = process.env): Locale {
  return pickLocale((env.LC_ALL || env.LC_MESSAGES || env.LANG || '').replace('_', '-'));
}

/** Picks the English or Japanese text for the user's locale. */
export function say(en: string, ja: string): string {
  return cliLocale() === 'ja' ? ja : en;
}

/** Adds the option every subcommand takes. */
export function withConfigOption(command: Command): Command {
  return command.option(
    '-c, --config <file>',
    'config file (default: ./mizugiwa.yaml if present, else built-in defaults)',
  );
}

/** Loads the config, opens and migrates the store, runs `fn`, and always closes the store. */
export async function withStore<T>(options: { config?: string }, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const { config, warnings, file } = loadConfig({ file: options.config });
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const store = await openStore(config);
  try {
    await migrate(store);
    const osUser = safeUserName();
    const configDir = file ? dirname(file) : process.cwd();
    return await fn({ config, configDir, store, audit: { actor: { kind: 'cli', osUser } }, locale: cliLocale() });
  } finally {
    await store.close();
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

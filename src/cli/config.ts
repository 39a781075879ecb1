import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../config/index.js';
import { redact } from '../store/open.js';
import { say } from './context.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('check and show the configuration (check, show)');

  config
    .command('check [file]')
    .description(
      'validate a config file (default: ./mizugiwa.yaml, else defaults) with the MIZUGIWA_* overrides; exit 1 if invalid',
    )
    .option('-c, --config <file>', 'the same as [file]')
    .action(async (file: string | undefined, opts: { config?: string }) => {
      const loaded = loadConfig({ file: file ?? opts.config });
      for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(
        say(
          `configuration is valid (${loaded.file ?? 'no file: built-in defaults'})\n`,
          `設定は正しいです（${loaded.file ?? 'ファイルなし: 既定値'}）\n`,
        ),
      );
    });

  config
    .command('show')
    .description('print the effective configuration (file + environment + defaults) as YAML, passwords hidden')
    .option('-c, --config <file>', 'config file')
    .action(async (opts: { config?: string }) => {
      const { config: effective } = loadConfig({ file: opts.config });
      const shown = {
        ...effective,
        database: { ...effective.database, url: effective.database.url ? redact(effective.database.url) : '' },
      };
      process.stdout.write(stringify(shown));
    });
}

import { dirname } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { withConfigOption } from './context.js';

export function registerServeCommand(program: Command): void {
  withConfigOption(program.command('serve'))
    .description('run the server: web UI, API and scheduled jobs (embedded SQLite unless database.url says otherwise)')
    .action(async (opts: { config?: string }) => {
      const { config, file, warnings } = loadConfig({ file: opts.config });
      const log = createLogger(config);
      for (const w of warnings) log.warn(w);
      log.info({ config: file ?? 'built-in defaults' }, 'configuration loaded');
      // Loaded here, not at the top: the server's modules (HTTP, mail, the console) are most of what the
      // CLI would otherwise load, and every other command (an `observe replay` timed against grep) pays for them.
      const { startServer, stopOnSignals } = await import('../lifecycle/serve.js');
      const server = await startServer(config, file ? dirname(file) : process.cwd(), log);
      await stopOnSignals(server, log);
    });
}

import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { migrate } from '../store/migrate.js';
import { openStore } from '../store/open.js';
import { say, withConfigOption } from './context.js';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database maintenance (migrate)');

  withConfigOption(db.command('migrate'))
    .description('bring the database schema up to date (also done at every start)')
    .action(async (opts: { config?: string }) => {
      const { config } = loadConfig({ file: opts.config });
      const store = await openStore(config);
      try {
        const { applied, current } = await migrate(store);
        process.stdout.write(
          applied.length
            ? say(
                `applied ${applied.join(', ')} to ${store.location}\n`,
                `${store.location} に ${applied.join(', ')} を適用しました\n`,
              )
            : say(`${store.location} is up to date (${current})\n`, `${store.location} は最新です（${current}）\n`),
        );
      } finally {
        await store.close();
      }
    });
}

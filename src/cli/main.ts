import { Command, CommanderError } from 'commander';
import { UserFacingError } from '../domain/user-facing-error.js';
import { ConfigError } from '../config/index.js';
import { message } from '../i18n/messages.js';
import { VERSION } from '../version.js';
import { cliLocale } from './context.js';
import { registerAuditCommands } from './audit.js';
import { registerConfigCommands } from './config.js';
import { registerDbCommands } from './db.js';
import { registerDeadLetterCommands } from './dead-letter.js';
import { registerEnforceCommands } from './enforce.js';
import { registerIntelCommands } from './intel.js';
import { registerObserveCommands } from './observe.js';
import { registerAttributeCommands } from './attribute.js';
import { registerAbuseCommands } from './abuse.js';
import { registerJobCommands } from './jobs.js';
import { registerServeCommand } from './serve.js';
import { registerSubscriberCommands } from './subscriber.js';
import { registerTokenCommands } from './token.js';
import { registerUserCommands } from './user.js';

export function buildProgram(): Command {
  const program = new Command('mizugiwa')
    .description('Mizugiwa (水際): threat defence and abuse desk for ISPs and hosting providers')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerServeCommand(program);
  registerConfigCommands(program);
  registerDbCommands(program);
  registerUserCommands(program);
  registerTokenCommands(program);
  registerAuditCommands(program);
  registerDeadLetterCommands(program);
  registerJobCommands(program);
  registerSubscriberCommands(program);
  registerIntelCommands(program);
  registerEnforceCommands(program);
  registerObserveCommands(program);
  registerAttributeCommands(program);
  registerAbuseCommands(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** Runs the CLI; resolves to the exit code. Errors become one clear message, not a stack trace. */
export async function main(argv: string[]): Promise<number> {
  // `mizugiwa … | head` closes the pipe early: that is the reader being done, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof UserFacingError) {
      process.stderr.write(`error: ${message(err.key, cliLocale(), err.params)}\n`);
      return 1;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.MIZUGIWA_DEBUG) console.error(err);
    return 1;
  }
}

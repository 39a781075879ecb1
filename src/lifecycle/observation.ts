import { resolve } from 'node:path';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { LiveMatcher } from '../match/live.js';
import { startDnstapInput } from '../observe/inputs/dnstap-input.js';
import { runFileInput } from '../observe/inputs/file-input.js';
import { startSyslogInput } from '../observe/inputs/syslog-input.js';
import type { ObservePipeline } from '../observe/pipeline/pipeline.js';
import { pipelineFor } from '../observe/pipeline-for.js';
import type { Store } from '../store/open.js';

export type Observation = {
  pipeline: ObservePipeline;
  /** Lines for the start-up banner: where each input reads or listens. */
  describe(): string[];
  /** Stops the inputs, lets what they handed over be matched and written (with its positions), then the workers. */
  stop(): Promise<void>;
};

/**
 * What `serve` runs for observation: the worker pipeline and every configured input — files tailed
 * from their stored positions, syslog and dnstap listeners. An input that fails to start is logged
 * and the others run; one that stops later is logged, never taking the server down.
 */
export async function startObservation(deps: {
  store: Store;
  config: Config;
  configDir: string;
  log: Logger;
  matcher: LiveMatcher;
}): Promise<Observation> {
  const log = deps.log.child({ component: 'observe' });
  const db = deps.store.db;
  // After each rebuild of the server's matcher, the workers get its indicators as a new generation.
  const pipeline = pipelineFor(deps.config, { db, live: deps.matcher, log });
  const abort = new AbortController();
  const running: Promise<unknown>[] = [];
  const closers: (() => Promise<void>)[] = [];
  const lines: string[] = [];

  for (const input of deps.config.observe.inputs) {
    try {
      if (input.type === 'file') {
        const path = resolve(deps.configDir, input.path);
        lines.push(`Observe: ${input.name} tails ${path} (${input.format})`);
        running.push(
          runFileInput(
            {
              name: input.name,
              format: input.format,
              path,
              zone: input.timezone,
              follow: true,
              fromEnd: input.from_end,
              enforced: input.enforced,
            },
            { db, pipeline, log, signal: abort.signal },
          ).catch((err: unknown) => log.error({ err, input: input.name }, 'observe: a file input stopped')),
        );
      } else if (input.type === 'syslog') {
        const s = await startSyslogInput(input, { db, pipeline, log });
        lines.push(...s.describe());
        closers.push(() => s.close());
      } else {
        const d = await startDnstapInput(input, { db, pipeline, log, configDir: deps.configDir });
        lines.push(...d.describe());
        closers.push(() => d.close());
      }
    } catch (err) {
      log.error({ err, input: input.name }, `observe: input ${input.name} could not start; the others run`);
      lines.push(`Observe: input ${input.name} FAILED to start (see the log)`);
    }
  }

  return {
    pipeline,
    describe: () => lines,
    async stop() {
      abort.abort();
      await Promise.all(
        closers.map((close) => close().catch((err: unknown) => log.error({ err }, 'observe: closing an input failed'))),
      );
      await Promise.all(running);
      await pipeline.close();
    },
  };
}

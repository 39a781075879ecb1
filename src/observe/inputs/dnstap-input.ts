import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { ObserveInputConfig } from '../../config/observe-schema.js';
import type { Logger } from '../../log.js';
import type { Database } from '../../store/schema.js';
import { deadLetterSink } from './dead-letter-sink.js';
import { startDnstapReceiver, type DnstapReceiver } from '../dnstap/receiver.js';
import type { ObservePipeline } from '../pipeline/pipeline.js';

type DnstapConfig = Extract<ObserveInputConfig, { type: 'dnstap' }>;

/**
 * A dnstap listener feeding the pipeline. Frame Streams runs over a stream socket, so a resolver
 * sending faster than the workers match is held back by TCP/unix flow control rather than losing
 * messages here; what a resolver itself drops when its own buffer fills is counted on its side
 * (Unbound: `dnstap` log lines; the benchmark compares both sides).
 */
export async function startDnstapInput(
  input: DnstapConfig,
  deps: { db: Kysely<Database>; pipeline: ObservePipeline; log: Logger; configDir: string },
): Promise<{ receiver: DnstapReceiver; describe(): string[]; close(): Promise<void> }> {
  const receiver = await startDnstapReceiver({
    ...(input.unix !== '' && { unix: resolve(deps.configDir, input.unix), unixMode: 0o666 }),
    ...(input.tcp !== '' && { tcp: input.tcp }),
    logger: deps.log,
    onFrames: (frames, origin) =>
      deps.pipeline.frames({
        input: input.name,
        origin: origin.connection,
        frames,
        firstFrame: origin.firstFrame,
        enforced: input.enforced,
      }),
    onError: deadLetterSink(deps.db, deps.log, input.name, 'dnstap'),
  });
  return {
    receiver,
    describe: () => {
      const a = receiver.address();
      const where = [a.unix && `unix ${a.unix}`, a.tcp && `tcp ${a.tcp.host}:${a.tcp.port}`].filter(Boolean).join(', ');
      return [`Observe: dnstap input ${input.name} on ${where}`];
    },
    close: () => receiver.close(),
  };
}

import type { Kysely } from 'kysely';
import { parseListen } from '../../config/listen.js';
import type { ObserveInputConfig } from '../../config/observe-schema.js';
import type { LogSink } from '../../log.js';
import type { Database } from '../../store/schema.js';
import { deadLetterSink } from './dead-letter-sink.js';
import type { LineContext, LineFormatName } from '../line-format.js';
import { LINE_FORMATS } from '../formats.js';
import { localTimeIn } from '../local-time.js';
import type { LineInput, ObservePipeline } from '../pipeline/pipeline.js';
import { syslogPrefix } from '../syslog-prefix.js';
import type { LineOrigin } from '../syslog/batch.js';
import { startSyslogServer, type SyslogServer } from '../syslog/server.js';

type SyslogConfig = Extract<ObserveInputConfig, { type: 'syslog' }>;

export type SyslogInput = {
  server: SyslogServer;
  /** Lines whose program no format is configured for: counted (by program), not read. */
  ignored: Map<string, number>;
  describe(): string[];
  close(): Promise<void>;
};

const encoder = new TextEncoder();

/**
 * A syslog listener feeding the pipeline: each line goes to the format configured for its program
 * (named → bind-querylog, kernel → nftables-log …). TCP senders are held back while the workers are
 * busy; UDP cannot be, so what does not fit is dropped and counted, per point, in the pipeline's
 * figures (metrics, status, UI) as well as in the server's own.
 */
export async function startSyslogInput(
  input: SyslogConfig,
  deps: { db: Kysely<Database>; pipeline: ObservePipeline; log: LogSink },
): Promise<SyslogInput> {
  const zone = input.timezone === '' ? Intl.DateTimeFormat().resolvedOptions().timeZone : input.timezone;
  const ctx: LineContext = { now: Date.now(), localTime: localTimeIn(zone) };
  const ignored = new Map<string, number>();
  const udp = input.udp === '' ? undefined : parseListen(input.udp);
  const tcp = input.tcp === '' ? undefined : parseListen(input.tcp);

  /** The lines of one batch, grouped by the format that reads them. */
  const route = (lines: string[], origin: LineOrigin): LineInput[] => {
    ctx.now = Date.now();
    const groups = new Map<LineFormatName, string[]>();
    for (const line of lines) {
      const tag = syslogPrefix(line, ctx)?.tag ?? '';
      const format = input.programs[tag];
      if (!format) {
        ignored.set(tag, (ignored.get(tag) ?? 0) + 1);
        continue;
      }
      let group = groups.get(format);
      if (!group) groups.set(format, (group = []));
      group.push(line);
    }
    const origins = `syslog ${origin.transport}${origin.remote ? ` ${origin.remote}` : ''}`;
    return [...groups].map(([format, group]) => ({
      input: input.name,
      enforced: input.enforced,
      format,
      // The server hands over RFC 3339 UTC stamps: no zone is needed past this point.
      zone: 'UTC',
      origin: origins,
      // A stateful format (Postfix) reads each sender's lines in order, on one worker.
      stream: LINE_FORMATS[format].stateful ? `${input.name}\t${origin.remote ?? origin.transport}` : input.name,
      firstLine: 1,
      data: encoder.encode(`${group.join('\n')}\n`),
    }));
  };

  const server = await startSyslogServer({
    ...(udp && { udp: { host: udp.host, port: udp.port } }),
    ...(tcp && { tcp: { host: tcp.host, port: tcp.port } }),
    localTime: ctx.localTime,
    onLines: (lines, origin) => {
      const batches = route(lines, origin);
      if (origin.transport === 'udp') {
        // A group the workers cannot take now is dropped whole and counted here, against its point
        // (the server's own `dropped` counts only what never reached this function).
        for (const b of batches) {
          if (!deps.pipeline.offerLines(b))
            deps.pipeline.dropped(input.name, LINE_FORMATS[b.format].point, lineCount(b.data));
        }
        return true;
      }
      return (async () => {
        for (const b of batches) await deps.pipeline.lines(b);
      })();
    },
    onError: deadLetterSink(deps.db, deps.log, input.name, 'syslog'),
  });

  return {
    server,
    ignored,
    describe: () => {
      const a = server.addresses;
      const where = [a.udp && `udp ${a.udp.address}:${a.udp.port}`, a.tcp && `tcp ${a.tcp.address}:${a.tcp.port}`]
        .filter(Boolean)
        .join(', ');
      return [`Observe: syslog input ${input.name} on ${where}`];
    },
    async close() {
      await server.close();
    },
  };
}

function lineCount(data: Uint8Array): number {
  let n = 0;
  for (const byte of data) if (byte === 10) n++;
  return n;
}

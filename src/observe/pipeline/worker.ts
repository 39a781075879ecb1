// A parse-and-match thread: turns batches of log lines or dnstap frames into observations, matches
// them against its own copy of the indicators, and sends back per-batch sums — never one message
// per line. Started by worker-pool.ts; one per core by default.
import { isAscii } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import type { Observation, ObservationPoint } from '../../domain/observation.js';
import { matcherOf } from '../../match/compiled-indicators.js';
import { buildMatcher, type Match, type Matcher } from '../../match/matcher.js';
import { decodeDnstapFrame } from '../dnstap/observation.js';
import { LINE_FORMATS } from '../formats.js';
import type { LineContext, LineFormat } from '../line-format.js';
import { localTimeIn } from '../local-time.js';
import { matchObservation } from '../match-observation.js';
import type {
  BatchResult,
  FrameBatchJob,
  FromWorker,
  IndicatorTable,
  LineBatchJob,
  ToWorker,
  WorkerDelta,
  WorkerSettings,
} from './messages.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread (see worker-pool.ts)');

let settings: WorkerSettings = { windowMs: 300_000, blockingPoints: [], storeRaw: false };
let matcher: Matcher<number> = buildMatcher<number>([]);
let validUntil: Float64Array<ArrayBufferLike> = new Float64Array(0);
let blocks: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
let generation = 0;
const zones = new Map<string, LineContext['localTime']>();
const parsers = new Map<string, LineFormat>();
const decoder = new TextDecoder('utf-8', { fatal: false });
const MAX_PARSERS = 10_000;

// Messages are handled in order: a batch that follows new indicators is matched against them.
port.on('message', handle);

function handle(message: ToWorker): void {
  if (message.type === 'settings') settings = message.settings;
  else if (message.type === 'indicators') build(message.table);
  else {
    let reply: FromWorker;
    try {
      const job = message.job;
      reply = { type: 'result', result: job.kind === 'lines' ? readLines(job) : readFrames(job) };
    } catch (err) {
      // A parser bug must cost one batch (reported and dead-lettered by the pool), not the thread.
      reply = {
        type: 'failed',
        seq: message.job.seq,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      };
    }
    port!.postMessage(reply);
  }
}

function build(table: IndicatorTable): void {
  const started = performance.now();
  matcher = matcherOf(table);
  validUntil = table.validUntil;
  blocks = table.blocks;
  generation = table.generation;
  const ms = performance.now() - started;
  port!.postMessage({ type: 'built', generation, indicators: table.count, ms } satisfies FromWorker);
}

/** Sums for one batch: deltas keyed by ref, client, point and window; counts by point and minute. */
class BatchSums {
  readonly deltas = new Map<string, WorkerDelta>();
  readonly counts = new Map<string, [ObservationPoint, number, number, number, number]>();
  readonly rejects: BatchResult['rejects'] = [];
  readonly raw: Observation[] | null = settings.storeRaw ? [] : null;
  private readonly matches: Match<number>[] = [];
  private readonly now = Date.now();

  constructor(private readonly enforced: boolean) {}

  private last: [ObservationPoint, number, number, number, number] | undefined;

  count(point: ObservationPoint, time: number, observed: number, matched: number, rejected: number): void {
    const minute = time - (time % 60_000);
    // Lines of a log come in time order: nearly every count goes to the same minute as the one before.
    const l = this.last;
    if (l !== undefined && l[1] === minute && l[0] === point) {
      l[2] += observed;
      l[3] += matched;
      l[4] += rejected;
      return;
    }
    const key = `${point}|${minute}`;
    const c = this.counts.get(key);
    if (c) {
      c[2] += observed;
      c[3] += matched;
      c[4] += rejected;
      this.last = c;
    } else {
      this.last = [point, minute, observed, matched, rejected];
      this.counts.set(key, this.last);
    }
  }

  observe(o: Observation): void {
    if (this.raw) this.raw.push(o);
    let matched = 0;
    for (const { ref } of matchObservation(o, matcher, this.matches)) {
      if (validUntil[ref]! <= this.now) continue;
      matched = 1;
      const window = o.time - (o.time % settings.windowMs);
      const key = `${ref}|${o.client}|${o.point}|${window}`;
      const blocked =
        (o.blocked ?? (this.enforced && blocks[ref] === 1 && settings.blockingPoints.includes(o.point))) ? 1 : 0;
      const d = this.deltas.get(key);
      if (d) {
        d.count++;
        d.blocked += blocked;
        if (o.time < d.first) d.first = o.time;
        if (o.time > d.last) d.last = o.time;
        if (o.detail !== undefined) d.detail = o.detail;
      } else {
        this.deltas.set(key, {
          ref,
          point: o.point,
          client: o.client,
          window,
          first: o.time,
          last: o.time,
          count: 1,
          blocked,
          detail: o.detail ?? null,
        });
      }
    }
    this.count(o.point, o.time, 1, matched, 0);
  }

  result(seq: number, units: number): BatchResult {
    return {
      seq,
      generation,
      units,
      counts: [...this.counts.values()],
      deltas: [...this.deltas.values()],
      rejects: this.rejects,
      raw: this.raw,
    };
  }
}

function parserFor(job: LineBatchJob): LineFormat {
  const entry = LINE_FORMATS[job.format];
  if (!entry.stateful) return entry.create();
  const key = `${job.format}|${job.stream}`;
  let parser = parsers.get(key);
  if (!parser) {
    if (parsers.size >= MAX_PARSERS) parsers.clear();
    parser = entry.create();
    parsers.set(key, parser);
  }
  return parser;
}

function localTime(zone: string): LineContext['localTime'] {
  let fn = zones.get(zone);
  if (!fn) {
    fn = localTimeIn(zone === '' ? Intl.DateTimeFormat().resolvedOptions().timeZone : zone);
    zones.set(zone, fn);
  }
  return fn;
}

function readLines(job: LineBatchJob): BatchResult {
  const sums = new BatchSums(job.enforced);
  const point = LINE_FORMATS[job.format].point;
  if (job.overLong) {
    sums.rejects.push({
      position: `${job.origin}:${job.firstLine}`,
      reason: `line ${job.firstLine} is longer than the longest line read (${job.data.byteLength} bytes kept): not a ${job.format} line, or a log written without line breaks`,
      raw: job.data,
    });
    sums.count(point, job.now, 0, 0, 1);
    return sums.result(job.seq, 1);
  }
  const parser = parserFor(job);
  const ctx: LineContext = { now: job.now, localTime: localTime(job.zone) };
  const text = textOf(job.data);
  let lineNo = job.firstLine;
  let units = 0;
  for (let pos = 0; pos < text.length; lineNo++) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const line = text.slice(pos, end);
    pos = nl + 1;
    units++;
    if (line.length === 0) continue;
    const parsed = parser.parseLine(line, ctx);
    if (parsed === null) continue;
    if (typeof parsed === 'string') {
      sums.rejects.push({ position: `${job.origin}:${lineNo}`, reason: parsed, raw: Buffer.from(line) });
      sums.count(point, job.now, 0, 0, 1);
    } else sums.observe(parsed);
  }
  return sums.result(job.seq, units);
}

/**
 * The batch as text. Logs are nearly always ASCII, which latin1 decoding copies as it is (UTF-8
 * decoding validates every byte, and took as long as parsing); anything else is decoded as UTF-8.
 */
function textOf(data: Uint8Array): string {
  return isAscii(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')
    : decoder.decode(data);
}

function readFrames(job: FrameBatchJob): BatchResult {
  const sums = new BatchSums(job.enforced);
  const data = job.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let frameNo = job.firstFrame;
  for (let pos = 0; pos + 4 <= data.byteLength; frameNo++) {
    const length = view.getUint32(pos);
    const frame = data.subarray(pos + 4, pos + 4 + length);
    pos += 4 + length;
    const parsed = decodeDnstapFrame(frame);
    if (parsed === null) continue;
    if (typeof parsed === 'string') {
      sums.rejects.push({ position: `${job.origin} frame ${frameNo}`, reason: parsed, raw: frame.slice() });
      sums.count('dns', job.now, 0, 0, 1);
    } else sums.observe(parsed);
  }
  return sums.result(job.seq, job.count);
}

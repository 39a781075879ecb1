import { availableParallelism } from 'node:os';
import type { Kysely } from 'kysely';
import type { Observation, ObservationPoint } from '../../domain/observation.js';
import type { LogSink } from '../../log.js';
import { itemAt, type CompiledIndicators } from '../../match/compiled-indicators.js';
import type { IndicatorRef, LiveMatcher } from '../../match/live.js';
import type { Match } from '../../match/matcher.js';
import type { Database } from '../../store/schema.js';
import type { StoredPosition } from '../../store/sightings.js';
import { LINE_FORMATS } from '../formats.js';
import { sightingOf } from '../sighting-of.js';
import type { LineFormatName } from '../line-format.js';
import { createInputStats, type InputStats, type InputStatus } from './input-stats.js';
import type { BatchJob, BatchResult, WorkerSettings } from './messages.js';
import { createSightingBuffer, type SightingAttributor, type SightingBuffer } from './sighting-buffer.js';
import { createWorkerPool } from './worker-pool.js';

/** Whole lines from one stream of one input. */
export type LineInput = {
  input: string;
  format: LineFormatName;
  /** IANA zone for stamps without one; '' for the machine's. */
  zone: string;
  /** Where the lines came from, for dead-letter positions (`/var/log/named/query.log`, `syslog udp 10.0.0.1:514`). */
  origin: string;
  /** One stream of a stateful format is parsed in order by one worker (a file; a syslog sender). */
  stream: string;
  firstLine: number;
  data: Uint8Array;
  bytes?: number;
  overLong?: boolean;
  /** The file position reading reaches once these lines are applied; stored with their results. */
  position?: StoredPosition;
  /** The device enforces Mizugiwa's policy (see BatchJob.enforced); false when not said. */
  enforced?: boolean;
};

/** dnstap payloads from one connection. */
export type FrameInput = {
  input: string;
  origin: string;
  frames: Uint8Array[];
  firstFrame: number;
  enforced?: boolean;
};

export type ObservePipeline = {
  /** Takes a batch once workers and the store have room: how files and TCP streams are held back. */
  lines(batch: LineInput): Promise<void>;
  /** For a source that cannot wait (UDP): takes the batch only if there is room now; false: the caller drops and counts it. */
  offerLines(batch: LineInput): boolean;
  /**
   * Takes dnstap frames: at once (undefined) when a worker and the store have room, so a fast stream
   * is not paused per chunk; otherwise a promise to wait on (the socket is held back until it settles).
   */
  frames(batch: FrameInput): Promise<void> | undefined;
  /** A match made elsewhere (the sinkhole looks up every name it serves), recorded like any other. */
  matched(input: string, observation: Observation, match: Match<IndicatorRef>): void;
  /** What a source had to throw away before it reached the pipeline (counted, shown, never silent). */
  dropped(input: string, point: ObservationPoint, count: number): void;
  /** Waits for every batch taken so far to be matched and written. */
  drain(): Promise<void>;
  status(): InputStatus[];
  readonly buffer: SightingBuffer;
  close(): Promise<void>;
};

export type PipelineOptions = {
  db: Kysely<Database>;
  /** The indicators (compiled by the caller); a new generation is sent to the workers. */
  live: Pick<LiveMatcher, 'compiled' | 'generation'>;
  log: LogSink;
  windowMs: number;
  workers: number;
  queuePerWorker: number;
  flushMs: number;
  storeRaw: boolean;
  blockingPoints: ObservationPoint[];
  /** Fills in the subscriber of each sighting (the attribution stage); without it sightings have none yet. */
  attribute?: SightingAttributor;
};

/** Indicator generations kept for results still on their way back from the workers. */
const GENERATIONS_KEPT = 4;

type Meta = { input: string; format: string; position: StoredPosition | undefined; bytes: number };

export function createObservePipeline(options: PipelineOptions): ObservePipeline {
  const buffer = createSightingBuffer({
    db: options.db,
    flushMs: options.flushMs,
    maxPending: 200_000,
    log: options.log,
    ...(options.attribute && { attribute: options.attribute }),
  });
  const stats = createInputStats();
  const settings: WorkerSettings = {
    windowMs: options.windowMs,
    blockingPoints: options.blockingPoints,
    storeRaw: options.storeRaw,
  };
  const size = options.workers > 0 ? options.workers : Math.max(1, availableParallelism());
  const pool = createWorkerPool<Meta>({
    size,
    queuePerWorker: options.queuePerWorker,
    settings,
    log: options.log,
    onResult: (result, meta, job) => apply(result, meta, job),
  });
  let sent = 0;

  // Results name indicators by their index in the table of the generation they were matched with.
  const generations = new Map<number, CompiledIndicators>();
  const syncIndicators = (): void => {
    const generation = options.live.generation;
    if (generation === sent) return;
    const compiled = options.live.compiled;
    generations.set(generation, compiled);
    for (const g of generations.keys()) if (g <= generation - GENERATIONS_KEPT) generations.delete(g);
    // What the matches mean stays here: the workers are sent what matching needs.
    const { refs: _refs, refStarts: _refStarts, ...table } = compiled;
    pool.setIndicators({ ...table, generation });
    sent = generation;
  };

  const apply = (result: BatchResult, meta: Meta, job: BatchJob): void => {
    const compiled = generations.get(result.generation);
    const s = stats.of(meta.input, job.kind === 'frames' ? 'dnstap' : meta.format);
    s.units += result.units;
    s.bytes += meta.bytes;
    for (const [point, minute, observed, matched, rejected] of result.counts) {
      s.observed += observed;
      s.matched += matched;
      s.rejected += rejected;
      buffer.addCount({ input: meta.input, point, minute: iso(minute), observed, matched, rejected, dropped: 0 });
    }
    for (const d of result.deltas) {
      const item = compiled && itemAt(compiled, d.ref);
      if (!item) {
        options.log.error({ generation: result.generation }, 'observe: a result refers to indicators no longer held');
        continue;
      }
      buffer.addSighting({
        indicatorType: item.indicator.type,
        indicatorValue: item.indicator.value,
        point: d.point,
        client: d.client,
        windowStart: iso(d.window),
        firstSeen: iso(d.first),
        lastSeen: iso(d.last),
        count: d.count,
        blockedCount: d.blocked,
        categories: item.ref.categories,
        sources: item.ref.sources,
        input: meta.input,
        detail: d.detail,
        subscriber: null,
      });
    }
    for (const r of result.rejects) {
      buffer.addDeadLetter({
        source: meta.input,
        format: meta.format,
        reason: r.reason,
        position: r.position,
        raw: r.raw,
      });
    }
    if (result.raw) for (const o of result.raw) buffer.addRaw(rawRow(meta.input, o));
    if (meta.position) {
      buffer.setPosition(meta.position);
      s.position = { path: meta.position.path, offset: meta.position.offset, line: meta.position.line };
    }
    s.lastAt = Date.now();
  };

  const lineJob = (batch: LineInput) => ({
    kind: 'lines' as const,
    input: batch.input,
    origin: batch.origin,
    now: Date.now(),
    enforced: batch.enforced ?? false,
    format: batch.format,
    zone: batch.zone,
    stream: batch.stream,
    firstLine: batch.firstLine,
    data: batch.data,
    ...(batch.overLong && { overLong: true }),
  });
  const lineMeta = (batch: LineInput): Meta => ({
    input: batch.input,
    format: batch.format,
    position: batch.position,
    bytes: batch.bytes ?? batch.data.byteLength,
  });

  return {
    buffer,
    async lines(batch) {
      await buffer.room();
      syncIndicators();
      const stateful = LINE_FORMATS[batch.format].stateful;
      await pool.submit(lineJob(batch), lineMeta(batch), stateful ? hash(batch.stream) : undefined);
    },
    offerLines(batch) {
      syncIndicators();
      return pool.offer(lineJob(batch), lineMeta(batch));
    },
    frames(batch) {
      syncIndicators();
      const job = framesJob(batch);
      const meta: Meta = { input: batch.input, format: 'dnstap', position: undefined, bytes: job.data.byteLength };
      // The packed buffer is this job's own: the pool may hand it to the worker without a copy.
      if (buffer.hasRoom() && pool.offer(job, meta, true)) return undefined;
      return (async () => {
        await buffer.room();
        await pool.submit(job, meta, undefined, true);
      })();
    },
    matched(input, o, match) {
      const s = stats.of(input, o.point);
      s.units++;
      s.observed++;
      s.matched++;
      s.lastAt = Date.now();
      buffer.addCount({
        input,
        point: o.point,
        minute: iso(o.time - (o.time % 60_000)),
        observed: 1,
        matched: 1,
        rejected: 0,
        dropped: 0,
      });
      buffer.addSighting(sightingOf(input, o, match, options.windowMs));
    },
    dropped(input, point, count) {
      const now = Date.now();
      stats.of(input, point).dropped += count;
      buffer.addCount({
        input,
        point,
        minute: iso(now - (now % 60_000)),
        observed: 0,
        matched: 0,
        rejected: 0,
        dropped: count,
      });
    },
    async drain() {
      await pool.idle();
      await buffer.flush();
    },
    status: () => stats.list(),
    async close() {
      await pool.idle();
      await buffer.close();
      await pool.close();
    },
  };
}

/** The frames packed into one buffer, each after its length (u32 big-endian), for the worker. */
function framesJob(batch: FrameInput) {
  let total = 0;
  for (const f of batch.frames) total += 4 + f.byteLength;
  const data = new Uint8Array(total);
  const view = new DataView(data.buffer);
  let at = 0;
  for (const f of batch.frames) {
    view.setUint32(at, f.byteLength);
    data.set(f, at + 4);
    at += 4 + f.byteLength;
  }
  return {
    kind: 'frames' as const,
    input: batch.input,
    origin: batch.origin,
    now: Date.now(),
    enforced: batch.enforced ?? false,
    data,
    count: batch.frames.length,
    firstFrame: batch.firstFrame,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function rawRow(input: string, o: Observation) {
  return {
    at: iso(o.time),
    input,
    point: o.point,
    client: o.client,
    clientPort: o.clientPort ?? null,
    domain: o.domain ?? null,
    addresses: o.addresses ? o.addresses.join(' ') : null,
    port: o.port ?? null,
    url: o.url ?? null,
    email: o.email ?? null,
    blocked: o.blocked === undefined ? null : o.blocked ? 1 : 0,
    detail: o.detail ?? null,
  };
}

/** A stable small number for a stream name, to keep a stateful stream on one worker. */
function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h >>> 0;
}

export type { InputStats, InputStatus };

import type { Worker } from 'node:worker_threads';
import type { LogSink } from '../../log.js';
import type { BatchJob, BatchResult, FromWorker, IndicatorTable, ToWorker, WorkerSettings } from './messages.js';
import { startWorker } from '../../jobs/start-worker.js';

/** A job as the caller hands it in: the pool numbers it. */
export type NewJob = BatchJob extends infer J ? (J extends BatchJob ? Omit<J, 'seq'> : never) : never;

export type WorkerPool<M> = {
  /** Waits until a worker has room, then queues the job: how files and TCP streams are held back. */
  submit(job: NewJob, meta: M, affinity?: number, owned?: boolean): Promise<void>;
  /** Queues the job only if a worker has room now; false means full (a datagram source counts a drop). */
  offer(job: NewJob, meta: M, owned?: boolean): boolean;
  /** Every later job is matched against these indicators (each worker builds its matcher from them). */
  setIndicators(table: IndicatorTable): void;
  /** Resolves when every job submitted so far has had its result delivered. */
  idle(): Promise<void>;
  /** Batches queued or being worked on. */
  readonly pending: number;
  readonly size: number;
  close(): Promise<void>;
};

export type PoolOptions<M> = {
  size: number;
  queuePerWorker: number;
  settings: WorkerSettings;
  /** Called once per job, strictly in the order the jobs were submitted, whichever worker finished first. */
  onResult(result: BatchResult, meta: M, job: BatchJob): void;
  log: LogSink;
};

type Slot = { worker: Worker; inFlight: Map<number, BatchJob> };

/**
 * Worker threads that parse and match, each with a bounded queue. Results are re-ordered to the order
 * of submission so that a file's position only ever moves past lines whose results are in. A worker
 * that dies is replaced; the batches it held come back as failures (dead-lettered, never skipped).
 */
export function createWorkerPool<M>(options: PoolOptions<M>): WorkerPool<M> {
  let seq = 0;
  let delivered = 0;
  let indicators: IndicatorTable | undefined;
  let closing = false;
  const metas = new Map<number, { meta: M; job: BatchJob }>();
  const done = new Map<number, BatchResult>();
  const waiters: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];
  const slots: Slot[] = [];

  const post = (slot: Slot, message: ToWorker, transfer?: ArrayBuffer[]) => slot.worker.postMessage(message, transfer);

  const spawn = (index: number): void => {
    const worker = startWorker(new URL('./worker.ts', import.meta.url));
    const slot: Slot = { worker, inFlight: new Map() };
    slots[index] = slot;
    post(slot, { type: 'settings', settings: options.settings });
    if (indicators) post(slot, { type: 'indicators', table: indicators });
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'result') finish(slot, message.result);
      else if (message.type === 'built') {
        options.log.info(
          { generation: message.generation, indicators: message.indicators, ms: Math.round(message.ms) },
          'observe: a worker built its matcher',
        );
      } else {
        options.log.error(
          { seq: message.seq, error: message.error },
          'observe: a batch failed in a worker; it is dead-lettered',
        );
        const job = slot.inFlight.get(message.seq);
        if (job) finish(slot, failedResult(job, message.error));
      }
    });
    worker.on('error', (err) => options.log.error({ err }, 'observe: a worker thread failed'));
    worker.on('exit', (code) => {
      if (closing) return;
      options.log.error({ code }, 'observe: a worker thread exited; starting another');
      const lost = [...slot.inFlight.values()];
      spawn(index);
      for (const job of lost) finish(slot, failedResult(job, `worker thread exited with code ${code}`));
    });
  };

  const finish = (slot: Slot, result: BatchResult): void => {
    if (!slot.inFlight.delete(result.seq)) return;
    done.set(result.seq, result);
    // Deliver in submission order.
    while (done.has(delivered + 1)) {
      const next = ++delivered;
      const r = done.get(next)!;
      done.delete(next);
      const m = metas.get(next)!;
      metas.delete(next);
      options.onResult(r, m.meta, m.job);
    }
    waiters.shift()?.();
    if (metas.size === 0) for (const w of idleWaiters.splice(0)) w();
  };

  const roomIn = (affinity: number | undefined): Slot | undefined => {
    if (affinity !== undefined) {
      const slot = slots[affinity % slots.length]!;
      return slot.inFlight.size < options.queuePerWorker ? slot : undefined;
    }
    let best: Slot | undefined;
    for (const s of slots)
      if (s.inFlight.size < options.queuePerWorker && (!best || s.inFlight.size < best.inFlight.size)) best = s;
    return best;
  };

  const dispatch = (slot: Slot, job: NewJob, meta: M, owned: boolean): void => {
    // The bytes go to the worker by transfer, not by clone. Bytes the caller still holds (the tailer's
    // read buffer, a view into a pooled one) are copied first; a buffer the pipeline built for this job
    // alone (`owned`) is handed over as it is.
    const data = owned ? job.data : new Uint8Array(job.data);
    const numbered = { ...job, data, seq: seq + 1 } as BatchJob;
    post(slot, { type: 'batch', job: numbered }, [data.buffer as ArrayBuffer]);
    // Counted only once posted: a job that could not be sent must not be waited for.
    seq++;
    metas.set(numbered.seq, { meta, job: numbered });
    slot.inFlight.set(numbered.seq, numbered);
  };

  for (let i = 0; i < options.size; i++) spawn(i);

  return {
    size: options.size,
    get pending() {
      return metas.size;
    },
    async submit(job, meta, affinity, owned = false) {
      let slot = roomIn(affinity);
      while (!slot) {
        await new Promise<void>((resolve) => waiters.push(resolve));
        slot = roomIn(affinity);
      }
      dispatch(slot, job, meta, owned);
    },
    offer(job, meta, owned = false) {
      const slot = roomIn(undefined);
      if (!slot) return false;
      dispatch(slot, job, meta, owned);
      return true;
    },
    setIndicators(table) {
      indicators = table;
      for (const slot of slots) post(slot, { type: 'indicators', table });
    },
    idle() {
      return metas.size === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function failedResult(job: BatchJob, error: string): BatchResult {
  const point = job.kind === 'frames' ? 'dns' : undefined;
  return {
    seq: job.seq,
    generation: 0,
    units: job.kind === 'frames' ? job.count : 0,
    counts: point ? [[point, job.now - (job.now % 60_000), 0, 0, 1]] : [],
    deltas: [],
    rejects: [
      {
        position: job.kind === 'lines' ? `${job.origin}:${job.firstLine}` : `${job.origin} frame ${job.firstFrame}`,
        reason: `this batch could not be read (a fault in Mizugiwa, not in the input; replay it after upgrading): ${error.split('\n')[0]}`,
        raw: job.data,
      },
    ],
    raw: null,
  };
}

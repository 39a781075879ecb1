/** Where lines come from: the transport, and for TCP the connection (`127.0.0.1:40000`). */
export type LineOrigin = { transport: 'udp' | 'tcp'; remote?: string };

/**
 * Takes a batch of log lines. The answer says what became of them:
 *  - true (or nothing): accepted;
 *  - false: not accepted (the sink is full): the lines are counted as dropped, never silently lost;
 *  - a Promise: accepted, but hold further input until it resolves (TCP stops reading the connection; UDP,
 *    which cannot make a sender wait, queues up to a bound and drops, counted, beyond it). A rejected
 *    Promise counts the lines as dropped and is reported.
 */
export type LineSink = (lines: string[], origin: LineOrigin) => boolean | void | Promise<void>;

/** What became of the lines handed to one batcher. */
export type LineCounts = { lines: number; dropped: number };

export type LineBatcherOptions = {
  sink: LineSink;
  origin: LineOrigin;
  counts: LineCounts;
  /** A batch is handed on when it has this many lines … */
  maxLines: number;
  /** … or when its first line has waited this long. */
  maxDelayMs: number;
  /** Lines held while the sink is busy; a line past it is dropped (and counted). */
  maxQueuedLines: number;
  /** The sink threw or its Promise rejected: these lines are lost (already counted as dropped). */
  onSinkFailure(error: unknown, lines: string[]): void;
  /** The sink asked to be waited for, and has finished: TCP pauses and resumes its socket on these. */
  onBusy?(): void;
  onIdle?(): void;
};

/**
 * Collects lines and hands them to the sink in batches, one batch at a time: a sink that answers with a
 * Promise gets no further batch until it settles, so lines reach it in the order they arrived.
 */
export class LineBatcher {
  private queue: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: LineBatcherOptions) {}

  /** Queues a line; false when the queue is full and the line was dropped (and counted). */
  add(line: string): boolean {
    const { maxLines, maxQueuedLines } = this.options;
    if (this.queue.length >= maxQueuedLines) {
      this.options.counts.dropped++;
      return false;
    }
    this.queue.push(line);
    if (this.inFlight !== undefined) return true;
    if (this.queue.length >= maxLines) this.flush();
    else this.schedule();
    return true;
  }

  /** Hands on what is queued, as far as the sink lets it. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.inFlight === undefined && this.queue.length > 0) {
      let batch: string[];
      if (this.queue.length <= this.options.maxLines) {
        batch = this.queue;
        this.queue = [];
      } else batch = this.queue.splice(0, this.options.maxLines);
      this.deliver(batch);
    }
  }

  /** Hands on everything queued and waits until the sink has settled all of it. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight !== undefined) {
      await this.inFlight;
      this.flush();
    }
  }

  private deliver(batch: string[]): void {
    const { sink, origin, counts } = this.options;
    let answer: ReturnType<LineSink>;
    try {
      answer = sink(batch, origin);
    } catch (error) {
      this.fail(error, batch);
      return;
    }
    if (answer === false) counts.dropped += batch.length;
    else if (isThenable(answer)) this.wait(Promise.resolve(answer), batch);
    else counts.lines += batch.length;
  }

  private wait(answer: Promise<void>, batch: string[]): void {
    this.options.onBusy?.();
    this.inFlight = answer.then(
      () => {
        this.options.counts.lines += batch.length;
        this.settled();
      },
      (error: unknown) => {
        this.fail(error, batch);
        this.settled();
      },
    );
  }

  private settled(): void {
    this.inFlight = undefined;
    this.options.onIdle?.();
    // What came in meanwhile: a full batch goes now, a partial one waits its turn as usual.
    if (this.queue.length >= this.options.maxLines) this.flush();
    else if (this.queue.length > 0) this.schedule();
  }

  /** A partial batch goes after maxDelayMs, so a quiet sender's lines do not wait for more to come. */
  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.options.maxDelayMs);
    // The sockets keep the process alive while the server runs; a pending flush alone should not.
    this.timer.unref();
  }

  private fail(error: unknown, batch: string[]): void {
    this.options.counts.dropped += batch.length;
    try {
      this.options.onSinkFailure(error, batch);
    } catch {
      // A failing failure handler must not take the server down; the lines are counted as dropped.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

// One dnstap producer's connection, from the reader's side of Frame Streams:
//
//   bidirectional (Unbound, and libfstrm writers:   ← READY [content types]   → ACCEPT [ours]
//   BIND, Knot, fstrm_replay):                       ← START [content type]    ← data …
//                                                    ← STOP                    → FINISH, close
//   unidirectional (a writer without a handshake):   ← START [content type]    ← data …   ← STOP
//
// Data frames go to the frame handler in batches: what one socket chunk brings (at most maxBatch
// frames a batch), and what came before a control frame or a protocol error. When the handler returns
// a promise the socket is paused until it settles: the producer then blocks on a full socket buffer
// (resolvers buffer or drop in their own dnstap queue), and nothing piles up here. A protocol error
// ends this connection only, after it is reported.
import type { Socket } from 'node:net';
import type { Rejected } from '../../domain/format.js';
import { encodeControlFrame, FrameStreamDecoder, type ControlFrame, type Frame } from './frame-streams.js';

export const DNSTAP_CONTENT_TYPE = 'protobuf:dnstap.Dnstap';

export type DnstapOrigin = {
  /** Which listener and connection: `dnstap tcp 127.0.0.1:6000 conn #3`. */
  connection: string;
  /** The number of the batch's first frame among the connection's data frames, from 1 (for positions). */
  firstFrame: number;
};

/**
 * Takes a batch of data frames (dnstap payloads). The frames are views into the received chunks: valid
 * for as long as they are held, but sharing memory with neighbouring frames, so copy a frame before
 * transferring its buffer to another thread. Return nothing to take the next batch at once, or a promise
 * to pause the connection until it settles (backpressure).
 */
export type DnstapFramesHandler = (frames: Uint8Array[], origin: DnstapOrigin) => void | Promise<void>;

/** What a connection counts into its receiver's stats. */
export type ConnectionCounters = { frames: number; bytes: number; errors: number };

export type ConnectionLog = {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
};

export type ConnectionOptions = {
  socket: Socket;
  label: string;
  onFrames: DnstapFramesHandler;
  onError: (rejected: Rejected) => void;
  log: ConnectionLog;
  counters: ConnectionCounters;
  maxDataFrameBytes: number;
  maxBatch: number;
  /** Close a connection that has not sent START (or READY) within this time. */
  handshakeTimeoutMs: number;
};

type State = 'opening' | 'accepted' | 'started' | 'stopped';

export class DnstapConnection {
  private state: State = 'opening';
  private bidirectional = false;
  private readonly decoder: FrameStreamDecoder;
  private batch: Uint8Array[] = [];
  /** A handler's promise is pending: the socket is paused and the decoder holds what came since. */
  private waiting = false;
  private closed = false;
  /** Data frames handed over so far. */
  private delivered = 0;
  /** Stream offset of the frame being handled, for error positions. */
  private frameStart = 0;

  constructor(private readonly o: ConnectionOptions) {
    this.decoder = new FrameStreamDecoder({ maxDataFrameBytes: o.maxDataFrameBytes });
    const socket = o.socket;
    socket.setTimeout(o.handshakeTimeoutMs, () => {
      if (this.state === 'opening' || this.state === 'accepted') {
        this.protocolError(`no START within ${o.handshakeTimeoutMs} ms of connecting`, this.decoder.offset);
      }
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.ended());
    socket.on('error', (err) => {
      // A reset or broken pipe from the producer's side: nothing to answer, nothing to report twice.
      o.log.debug({ connection: o.label, err: err.message }, 'dnstap connection error');
      this.closed = true;
    });
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.o.counters.bytes += chunk.length;
    if (this.state === 'stopped') return; // after STOP the producer only closes; anything else is ignored
    this.decoder.push(chunk);
    if (!this.waiting) this.drain();
  }

  /** Handles every whole frame the decoder holds, stopping early while a handler's promise is pending. */
  private drain(): void {
    for (;;) {
      this.frameStart = this.decoder.offset;
      const frame = this.decoder.next();
      if (frame === null) break;
      if (frame instanceof Uint8Array) {
        if (this.state !== 'started') {
          const where = this.state === 'opening' ? 'no handshake' : 'after ACCEPT';
          this.protocolError(`data frame before START (${where})`, this.frameStart, frame.slice(0, 64));
          return;
        }
        this.o.counters.frames++;
        this.batch.push(frame);
        if (this.batch.length >= this.o.maxBatch && !this.flush()) return;
      } else if (!this.frame(frame) || this.closed) return;
    }
    this.flush();
  }

  /** Hands the batch over; false when the handler asked to wait (the socket is then paused). */
  private flush(): boolean {
    if (this.batch.length === 0) return true;
    const frames = this.batch;
    this.batch = [];
    const origin: DnstapOrigin = { connection: this.o.label, firstFrame: this.delivered + 1 };
    this.delivered += frames.length;
    let result: void | Promise<void>;
    try {
      result = this.o.onFrames(frames, origin);
    } catch (err) {
      this.handlerFailed(err);
      return false;
    }
    if (!result || typeof result.then !== 'function') return true;
    this.waiting = true;
    this.o.socket.pause();
    result.then(
      () => {
        this.waiting = false;
        // Destroyed meanwhile (the receiver closing; its 'close' event may come later still): read no further.
        if (this.closed || this.o.socket.destroyed) return;
        this.drain();
        if (!this.waiting && !this.closed) this.o.socket.resume();
      },
      (err: unknown) => this.handlerFailed(err),
    );
    return false;
  }

  /** A control frame or a decoding error; false when the connection is done with. */
  private frame(frame: Exclude<Frame, Uint8Array>): boolean {
    if (frame.kind === 'error') {
      this.protocolError(frame.reason, frame.offset, frame.raw);
      return false;
    }
    return this.control(frame);
  }

  private control(frame: ControlFrame): boolean {
    const o = this.o;
    if (frame.type === 'READY' && this.state === 'opening') {
      if (frame.contentTypes.length > 0 && !frame.contentTypes.includes(DNSTAP_CONTENT_TYPE)) {
        this.protocolError(
          `READY offers ${frame.contentTypes.map((t) => JSON.stringify(t)).join(', ')}; ` +
            `this receiver reads only "${DNSTAP_CONTENT_TYPE}"`,
        );
        return false;
      }
      // A READY without content types accepts any (libfstrm's rule); we answer with the one we read.
      this.bidirectional = true;
      this.state = 'accepted';
      o.socket.write(encodeControlFrame('ACCEPT', [DNSTAP_CONTENT_TYPE]));
      return true;
    }
    if (frame.type === 'START' && (this.state === 'opening' || this.state === 'accepted')) {
      const [contentType] = frame.contentTypes;
      // START may leave the content type out (libfstrm then matches anything); one it names must be ours.
      if (contentType !== undefined && contentType !== DNSTAP_CONTENT_TYPE) {
        this.protocolError(
          `START for content type "${contentType}"; this receiver reads only "${DNSTAP_CONTENT_TYPE}"`,
        );
        return false;
      }
      this.state = 'started';
      o.socket.setTimeout(0); // a quiet resolver may send nothing for hours
      o.log.info(
        { connection: o.label, bidirectional: this.bidirectional, peer: peerOf(o.socket) },
        'dnstap stream started',
      );
      return true;
    }
    if (frame.type === 'STOP' && this.state === 'started') {
      this.flush();
      this.state = 'stopped';
      o.log.info({ connection: o.label }, 'dnstap stream stopped');
      if (this.bidirectional) o.socket.end(encodeControlFrame('FINISH'));
      else o.socket.end();
      return false;
    }
    this.protocolError(`unexpected ${frame.type} control frame ${this.expecting()}`);
    return false;
  }

  private expecting(): string {
    switch (this.state) {
      case 'opening':
        return 'at the start of the connection (expected READY or START)';
      case 'accepted':
        return 'after ACCEPT (expected START)';
      default:
        return 'in the middle of the stream (expected data or STOP)';
    }
  }

  private ended(): void {
    if (this.closed) return;
    const cut = this.state === 'stopped' ? null : this.decoder.end();
    if (cut) this.protocolError(cut.reason, cut.offset, cut.raw);
    else {
      if (!this.waiting) this.flush();
      if (this.state === 'started')
        this.o.log.info({ connection: this.o.label }, 'dnstap producer closed without STOP');
      this.o.socket.end();
    }
  }

  private protocolError(reason: string, offset = this.frameStart, raw: Uint8Array = new Uint8Array(0)): void {
    if (this.closed) return;
    // The well-formed frames before the bad one were received: they go to the handler first.
    this.flush();
    this.closed = true;
    const o = this.o;
    o.counters.errors++;
    const position = `${o.label} byte ${offset}`;
    o.log.warn({ connection: o.label, position, reason, peer: peerOf(o.socket) }, 'dnstap protocol error; closing');
    try {
      o.onError({ rejected: true, reason, position, raw });
    } catch (err) {
      o.log.error({ connection: o.label, err: (err as Error).message }, 'dnstap error handler failed');
    }
    o.socket.destroy();
  }

  private handlerFailed(err: unknown): void {
    this.waiting = false;
    if (this.closed) return;
    this.closed = true;
    this.o.counters.errors++;
    this.o.log.error(
      { connection: this.o.label, err: err instanceof Error ? err.message : String(err) },
      'dnstap frame handler failed; closing the connection',
    );
    this.o.socket.destroy();
  }
}

function peerOf(socket: Socket): string | undefined {
  if (!socket.remoteAddress) return undefined;
  return socket.remoteFamily === 'IPv6'
    ? `[${socket.remoteAddress}]:${socket.remotePort}`
    : `${socket.remoteAddress}:${socket.remotePort}`;
}

import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Logger } from '../../log.js';
import { sign, TsigResponseVerifier, type TsigKey } from './tsig.js';
import { FLAG, OPCODE, RCODE, WireError, readHeader, readMessage } from './wire.js';
import type { Soa } from './zone.js';

// NOTIFY (RFC 1996): tells each configured resolver that a new version is out, so it asks for the
// change now rather than at its next SOA refresh. Sent over UDP and repeated, with a growing
// interval, until the resolver answers; an answer other than NOERROR ends the attempts (asking again
// would get the same answer), and so does close().

export type NotifyTarget = { host: string; port: number };

export type NotifyOptions = {
  origin: string;
  soa: Soa;
  ttl: number;
  key: TsigKey | undefined;
  /** The address the server listens on: secondaries accept NOTIFY only from their primary's address. */
  sourceHost: string;
  attempts: number;
  /** Wait before the first repeat; doubled each time. */
  retryMs: number;
  clock: () => number;
  logger: Pick<Logger, 'info' | 'warn'>;
  signal: AbortSignal;
};

export type NotifyOutcome = {
  target: string;
  acknowledged: boolean;
  attempts: number;
  /** Why it was not acknowledged: the RCODE, a TSIG failure, no answer. */
  error?: string;
};

/** `sent` settles once every target has been sent the first NOTIFY; `done` when each has an outcome. */
export function notifyAll(
  targets: readonly NotifyTarget[],
  options: NotifyOptions,
): { sent: Promise<void>; done: Promise<NotifyOutcome[]> } {
  const started = targets.map((target) => notifyOne(target, options));
  return {
    sent: Promise.all(started.map((s) => s.sent)).then(() => undefined),
    done: Promise.all(started.map((s) => s.done)),
  };
}

function notifyOne(
  target: NotifyTarget,
  options: NotifyOptions,
): { sent: Promise<void>; done: Promise<NotifyOutcome> } {
  const label = isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  let markSent: () => void = () => undefined;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  const done = run().finally(() => markSent());
  return { sent, done };

  async function run(): Promise<NotifyOutcome> {
    const { request, requestMac, id } = buildNotify(options);
    let socket: Socket;
    try {
      socket = await openSocket(target, options.sourceHost);
    } catch (err) {
      return report({ target: label, acknowledged: false, attempts: 0, error: (err as Error).message });
    }
    let attempts = 0;
    try {
      return await new Promise<NotifyOutcome>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const finish = (outcome: Omit<NotifyOutcome, 'target' | 'attempts'>) => {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', onAbort);
          resolve({ target: label, attempts, ...outcome });
        };
        const onAbort = () => finish({ acknowledged: false, error: 'the server closed' });
        const attempt = () => {
          if (attempts >= options.attempts) {
            finish({ acknowledged: false, error: `no answer after ${attempts} attempts` });
            return;
          }
          attempts++;
          socket.send(request, () => markSent());
          timer = setTimeout(attempt, options.retryMs * 2 ** (attempts - 1));
        };
        socket.on('message', (buf: Buffer) => {
          const answer = readAnswer(buf, id, requestMac, options);
          if (answer) finish(answer);
        });
        // A connected UDP socket reports ICMP port unreachable as an error: the next attempt may find it up.
        socket.on('error', () => undefined);
        if (options.signal.aborted) return onAbort();
        options.signal.addEventListener('abort', onAbort);
        attempt();
      }).then(report);
    } finally {
      socket.close();
    }
  }

  function report(outcome: NotifyOutcome): NotifyOutcome {
    const fields = {
      target: outcome.target,
      zone: options.origin,
      serial: options.soa.serial,
      attempts: outcome.attempts,
    };
    if (outcome.acknowledged) options.logger.info(fields, 'rpz notify acknowledged');
    else options.logger.warn({ ...fields, error: outcome.error }, 'rpz notify not acknowledged');
    return outcome;
  }
}

function buildNotify(options: NotifyOptions): { request: Buffer; requestMac: Buffer | undefined; id: number } {
  const id = randomInt(0, 0x10000);
  const { soa } = options;
  const unsigned = dnsPacket.encode({
    type: 'query',
    id,
    flags: (OPCODE.NOTIFY << 11) | FLAG.AA,
    questions: [{ name: options.origin, type: 'SOA', class: 'IN' }],
    // The new SOA rides along (RFC 1996 §3.7) so a secondary can see the serial without asking.
    answers: [{ name: options.origin, type: 'SOA', class: 'IN', ttl: options.ttl, data: { ...soa } }],
  });
  if (!options.key) return { request: unsigned, requestMac: undefined, id };
  const signed = sign(unsigned, options.key, { time: options.clock() });
  return { request: signed.message, requestMac: signed.mac, id };
}

/** The outcome an answer gives, or undefined for a datagram that is not the answer (ignored). */
function readAnswer(
  buf: Buffer,
  id: number,
  requestMac: Buffer | undefined,
  options: NotifyOptions,
): Omit<NotifyOutcome, 'target' | 'attempts'> | undefined {
  try {
    const header = readHeader(buf);
    if (header.id !== id || !header.qr || header.opcode !== OPCODE.NOTIFY) return undefined;
    readMessage(buf);
    if (options.key && requestMac) {
      const check = new TsigResponseVerifier(options.key, requestMac, options.clock).verify(buf);
      if (!check.ok) return { acknowledged: false, error: `TSIG: ${check.reason}` };
    }
    if (header.rcode !== RCODE.NOERROR) {
      const name = Object.entries(RCODE).find(([, code]) => code === header.rcode)?.[0] ?? `RCODE ${header.rcode}`;
      return { acknowledged: false, error: name };
    }
    return { acknowledged: true };
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
}

async function openSocket(target: NotifyTarget, sourceHost: string): Promise<Socket> {
  const v6 = isIPv6(target.host);
  const socket = createSocket(v6 ? 'udp6' : 'udp4');
  const sameFamily = isIPv6(sourceHost) === v6;
  const unspecified = sourceHost === '0.0.0.0' || sourceHost === '::';
  const address = sameFamily && !unspecified ? sourceHost : v6 ? '::' : '0.0.0.0';
  const step = (start: (done: () => void) => void) =>
    new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      start(() => {
        socket.off('error', reject);
        resolve();
      });
    });
  try {
    await step((done) => socket.bind({ address, port: 0 }, done));
    await step((done) => socket.connect(target.port, target.host, done));
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

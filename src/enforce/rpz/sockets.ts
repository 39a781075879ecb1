import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';

// The socket side of a DNS server over TCP and UDP: one port for both, messages framed by their
// two-byte length (RFC 1035 §4.2.2, RFC 7766), and writes that wait for a slow reader.

/**
 * TCP and UDP on the same port. With port 0 the OS picks the TCP port, and UDP may find it taken;
 * then both are tried again on another.
 */
export async function bindBoth(host: string, port: number): Promise<{ tcp: Server; udp: UdpSocket }> {
  for (let attempt = 0; ; attempt++) {
    // Half-open: a client that sends its query and shuts its side still gets the whole answer.
    const tcp = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host, port, exclusive: true }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    const bound = (tcp.address() as AddressInfo).port;
    const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: host, port: bound, exclusive: true }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      return { tcp, udp };
    } catch (err) {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if (port !== 0 || attempt >= 10) throw err;
    }
  }
}

/** Writes length-prefixed messages, waiting for the socket to drain; stops when the client goes away. */
export async function writeFrames(
  socket: Socket,
  messages: Iterable<Buffer>,
): Promise<{ messages: number; bytes: number; complete: boolean }> {
  let count = 0;
  let bytes = 0;
  for (const message of messages) {
    if (socket.destroyed) return { messages: count, bytes, complete: false };
    const frame = Buffer.allocUnsafe(2 + message.length);
    frame.writeUInt16BE(message.length, 0);
    message.copy(frame, 2);
    count++;
    bytes += frame.length;
    if (!socket.write(frame)) await drained(socket);
  }
  return { messages: count, bytes, complete: !socket.destroyed };
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Splits a TCP byte stream into DNS messages (RFC 1035 §4.2.2: a two-byte length before each). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  next(): Buffer | undefined {
    if (this.length < 2) return undefined;
    const head = this.chunks[0]!.length >= 2 ? this.chunks[0]! : this.flatten();
    const size = head.readUInt16BE(0);
    // Joining only once the whole message is here keeps a byte-at-a-time sender from costing n² copies.
    if (this.length < 2 + size) return undefined;
    const all = this.flatten();
    const frame = all.subarray(2, 2 + size);
    const rest = all.subarray(2 + size);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return frame;
  }

  private flatten(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    this.chunks = [all];
    return all;
  }
}

import type { Format } from '../../domain/format.js';

const HEAD_BYTES = 4096;

/**
 * Reads the first bytes of a feed and asks the format whether they look like it, before anything is
 * ingested: an HTML error page, an empty body or another format is refused with what it starts with,
 * and the source's claims stay as they were. Returns the whole stream again, head included.
 */
export async function checkHead<T>(
  body: AsyncIterable<Uint8Array>,
  format: Format<T>,
  where: string,
): Promise<AsyncIterable<Uint8Array>> {
  const iterator = body[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(chunks);
  if (head.length === 0 || head.toString('utf8').trim() === '') {
    throw new Error(`${where}: the feed is empty; the source's indicators are kept as they were`);
  }
  if (format.sniff && !format.sniff(head)) {
    const start = head.subarray(0, 80).toString('utf8').replace(/\s+/g, ' ').trim();
    throw new Error(
      `${where}: this does not look like ${format.name} (it starts with "${start}…"); the source's indicators are kept as they were`,
    );
  }
  return (async function* () {
    yield* chunks;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  })();
}

import { createReadStream } from 'node:fs';

const MARKER = 'query: ';

/**
 * Streams a BIND query log and calls `onName(name, line)` with the query name of each line — the text
 * between `query: ` and the next space — and the line's 0-based number. No regex and no per-line string:
 * each 1 MiB chunk is decoded once (latin1: names are ASCII, and BIND escapes other bytes as \ddd), and
 * lines and fields are found with indexOf on it; a line without the marker is skipped. Stops after
 * `maxLines` lines when given. Resolves to the number of lines read.
 */
export async function scanQueryNames(
  file: string,
  onName: (name: string, line: number) => void,
  maxLines = Infinity,
): Promise<number> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let carry = '';
  let line = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = carry === '' ? chunk.toString('latin1') : carry + chunk.toString('latin1');
      let pos = 0;
      // The next marker at or after pos; kept across lines, so a line without one costs no extra search.
      let q = text.indexOf(MARKER, pos);
      for (let nl = text.indexOf('\n', pos); nl !== -1; nl = text.indexOf('\n', pos)) {
        if (q !== -1 && q < nl) {
          const start = q + MARKER.length;
          const end = text.indexOf(' ', start);
          if (end !== -1 && end < nl) onName(text.slice(start, end), line);
          q = text.indexOf(MARKER, nl + 1);
        }
        line++;
        pos = nl + 1;
        if (line >= maxLines) return line;
      }
      carry = text.slice(pos);
    }
    // A last line without a newline.
    if (carry !== '') {
      const q = carry.indexOf(MARKER);
      if (q !== -1) {
        const start = q + MARKER.length;
        const end = carry.indexOf(' ', start);
        onName(carry.slice(start, end === -1 ? carry.length : end), line);
      }
      line++;
    }
    return line;
  } finally {
    stream.destroy();
  }
}

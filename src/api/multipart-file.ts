import { open, type FileHandle } from 'node:fs/promises';

// An uploaded form (multipart/form-data, RFC 7578) read from the file the request body was saved to:
// where the file part's bytes lie, and the small text fields beside it. The body is on disk first so
// that a report of hundreds of megabytes never sits in memory, and the file part is then read as a
// byte range of it — the exact bytes the browser or curl sent, which is what the evidence must be.

export type FormFile = {
  /** Byte range of the part's content in the saved body: [start, end). */
  start: number;
  end: number;
  fileName: string | undefined;
  contentType: string | undefined;
};

export type Form = { file: FormFile | undefined; fields: Record<string, string> };

const SCAN_CHUNK = 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 4 * 1024;
const MAX_PARTS = 32;
/** What may follow a delimiter: `--` (the last), the line break, or transport padding. */
const DELIMITER_FOLLOWERS = new Set([0x2d, 0x0d, 0x0a, 0x20, 0x09]);

/** The boundary of a multipart/form-data Content-Type, or undefined when it is not one. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/**
 * Reads the form saved in `path`: the first part that carries a file name (or is named `file`) is the
 * file; other parts are text fields. Returns the problem, for the uploader to fix, when it is not a
 * complete form.
 */
export async function readForm(path: string, boundary: string): Promise<Form | { problem: string }> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const delimiters = await findDelimiters(handle, size, Buffer.from(`--${boundary}`, 'latin1'));
    if (delimiters === undefined) return { problem: `the form has more than ${MAX_PARTS} parts` };
    if (delimiters.length === 0) return { problem: 'the form has no part with the boundary its Content-Type names' };
    const form: Form = { file: undefined, fields: {} };
    let closed = false;
    for (let i = 0; i < delimiters.length; i++) {
      const at = delimiters[i]!;
      const afterDelimiter = at + boundary.length + 2;
      const tail = await readAt(handle, afterDelimiter, 2);
      if (tail.toString('latin1') === '--') {
        closed = true;
        break;
      }
      const next = delimiters[i + 1];
      if (next === undefined) break;
      const lineEnd = await endOfLine(handle, afterDelimiter, next);
      if (lineEnd === undefined) return { problem: `part ${i + 1} of the form has no line end after its boundary` };
      // The part's content ends before the line break that precedes the next delimiter.
      const end = next - ((await readAt(handle, next - 2, 2)).toString('latin1') === '\r\n' ? 2 : 1);
      const part = await readPart(handle, lineEnd, end);
      if ('problem' in part) return { problem: `part ${i + 1} of the form: ${part.problem}` };
      if (!form.file && (part.fileName !== undefined || part.name === 'file')) {
        form.file = { start: part.bodyStart, end, fileName: part.fileName, contentType: part.contentType };
      } else if (part.name !== undefined && part.fileName === undefined) {
        if (end - part.bodyStart > MAX_FIELD_BYTES)
          return { problem: `the field "${part.name}" is longer than ${MAX_FIELD_BYTES} bytes` };
        form.fields[part.name] = (await readAt(handle, part.bodyStart, end - part.bodyStart)).toString('utf8');
      }
    }
    if (!closed) return { problem: 'the form ends before its closing boundary: the upload was cut short' };
    return form;
  } finally {
    await handle.close();
  }
}

/** Offsets of `--boundary` at the start of the body or of a line; undefined when there are too many. */
async function findDelimiters(handle: FileHandle, size: number, needle: Buffer): Promise<number[] | undefined> {
  const found: number[] = [];
  const buffer = Buffer.alloc(SCAN_CHUNK + needle.length + 1);
  // Each read starts one byte before the chunk, so the byte before a match is always in the buffer.
  for (let chunkStart = 0; chunkStart < size; chunkStart += SCAN_CHUNK) {
    const readFrom = Math.max(0, chunkStart - 1);
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - readFrom), readFrom);
    const view = buffer.subarray(0, bytesRead);
    for (let i = view.indexOf(needle); i !== -1; i = view.indexOf(needle, i + 1)) {
      const absolute = readFrom + i;
      if (absolute < chunkStart || absolute >= chunkStart + SCAN_CHUNK) continue;
      const after = view[i + needle.length];
      // A line that merely starts with the boundary text (a longer token) is content, not a delimiter.
      const delimits = after === undefined || DELIMITER_FOLLOWERS.has(after);
      if ((absolute === 0 || view[i - 1] === 0x0a) && delimits) found.push(absolute);
      if (found.length > MAX_PARTS) return undefined;
    }
  }
  return found;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  if (length <= 0 || position < 0) return Buffer.alloc(0);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The offset just after the line break at or after `from`, looking no further than `limit`. */
async function endOfLine(handle: FileHandle, from: number, limit: number): Promise<number | undefined> {
  const text = await readAt(handle, from, Math.min(limit - from, 256));
  const lf = text.indexOf(0x0a);
  return lf === -1 ? undefined : from + lf + 1;
}

type Part = { name?: string; fileName?: string; contentType?: string; bodyStart: number };

async function readPart(handle: FileHandle, start: number, end: number): Promise<Part | { problem: string }> {
  const head = await readAt(handle, start, Math.min(end - start, MAX_HEADER_BYTES));
  const text = head.toString('latin1');
  // A part with no headers starts with the blank line itself.
  const blank = /^\r?\n/.exec(text) ?? /\r?\n\r?\n/.exec(text);
  if (!blank) return { problem: `its headers do not end within ${MAX_HEADER_BYTES} bytes` };
  const bodyStart = start + blank.index + blank[0].length;
  const headers = text.slice(0, blank.index).replace(/\r?\n[ \t]+/g, ' ');
  const part: Part = { bodyStart };
  for (const line of headers.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-type') part.contentType = value;
    if (name === 'content-disposition') Object.assign(part, dispositionNames(value));
  }
  return part;
}

/** `form-data; name="file"; filename="report.eml"` (and RFC 5987 `filename*=UTF-8''…`). */
function dispositionNames(value: string): { name?: string; fileName?: string } {
  const params = new Map<string, string>();
  for (const m of value.matchAll(/;\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    params.set(m[1]!.toLowerCase(), raw);
  }
  const out: { name?: string; fileName?: string } = {};
  const name = params.get('name');
  if (name !== undefined) out.name = utf8(name);
  const extended = params.get('filename*');
  const plain = params.get('filename');
  if (extended !== undefined) {
    const m = /^([^']*)'[^']*'(.*)$/.exec(extended);
    try {
      out.fileName = m ? decodeURIComponent(m[2]!) : extended;
    } catch {
      out.fileName = extended;
    }
  } else if (plain !== undefined) {
    out.fileName = utf8(plain);
  }
  if (out.fileName !== undefined) out.fileName = baseName(out.fileName);
  return out;
}

/** Browsers send UTF-8 names as raw bytes; they were read as latin1 above. */
function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/** Some clients send the whole path (C:\Users\…\report.eml): only the name matters. */
function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

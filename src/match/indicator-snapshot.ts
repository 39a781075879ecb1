import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { endianness } from 'node:os';
import type { Kysely } from 'kysely';
import { intelRevision } from '../intel/revision.js';
import { processAlive } from '../lifecycle/process-alive.js';
import type { Database } from '../store/schema.js';
import { compileIndicators, type CompiledIndicators } from './compiled-indicators.js';
import type { DomainTable } from './domain-table.js';
import { loadIndicators } from './load-indicators.js';

// The compiled indicators on disk, so that a start (`observe replay`, `serve`) reads a million
// indicators in a few tens of milliseconds instead of querying and compiling them for seconds. The
// file is a cache, never the truth: it is used only while the claims' revision is the one it was
// built at and none of its claims has expired since; otherwise it is rebuilt from the store and
// written again. It is read into one SharedArrayBuffer, so worker threads share its tables.

/** What a snapshot was built from: current while the revision is unchanged and nothing in it has expired. */
export type SnapshotLabel = { revision: string; firstExpiryMs: number; builtAt: string };

export const SNAPSHOT_FILE = 'indicators.snapshot';
const MAGIC = 'MZGWIDX1';
const ALIGN = 8;

type Kind = 'text' | 'i32' | 'u16' | 'u8' | 'f64';
type Section = { name: string; kind: Kind; offset: number; bytes: number };
type Header = { label: SnapshotLabel; endianness: string; count: number; sections: Section[] };

// Every buffer of a CompiledIndicators, by the name the file gives it.
const ARRAYS = {
  valueStarts: 'i32',
  types: 'u8',
  validUntil: 'f64',
  blocks: 'u8',
  refStarts: 'i32',
  'domains.chars': 'u16',
  'domains.starts': 'i32',
  'domains.ids': 'i32',
  'domains.subtree': 'u8',
  'domains.hashes': 'i32',
  'domains.slots': 'i32',
  'domains.filter': 'i32',
} as const satisfies Record<string, Exclude<Kind, 'text'>>;
type ArrayName = keyof typeof ARRAYS;
const TEXTS = ['values', 'refs'] as const;

function arrayOf(c: CompiledIndicators, name: ArrayName): ArrayBufferView {
  if (name.startsWith('domains.')) return c.domains[name.slice('domains.'.length) as keyof DomainTable];
  return c[name as Exclude<ArrayName, `domains.${string}`>];
}

/** Writes the snapshot beside `file` and renames it into place: a reader sees the old file or the new, whole. */
export function writeIndicatorSnapshot(file: string, compiled: CompiledIndicators, label: SnapshotLabel): void {
  const parts: Uint8Array[] = [];
  const sections: Section[] = [];
  let offset = 0;
  const add = (name: string, kind: Kind, bytes: Uint8Array) => {
    sections.push({ name, kind, offset, bytes: bytes.byteLength });
    parts.push(bytes);
    offset += bytes.byteLength;
    const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
    if (pad > 0) parts.push(new Uint8Array(pad));
    offset += pad;
  };
  for (const name of TEXTS) add(name, 'text', Buffer.from(compiled[name], 'utf8'));
  for (const [name, kind] of Object.entries(ARRAYS) as [ArrayName, Kind][]) {
    const a = arrayOf(compiled, name);
    add(name, kind, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  const header: Header = { label, endianness: endianness(), count: compiled.count, sections };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const lead = Buffer.alloc(MAGIC.length + 4);
  lead.write(MAGIC, 0, 'latin1');
  lead.writeUInt32LE(json.byteLength, MAGIC.length);
  const headPad = new Uint8Array((ALIGN - ((lead.byteLength + json.byteLength) % ALIGN)) % ALIGN);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    removeOrphans(file);
    // Part by part: the file is over a hundred megabytes for a million indicators, not worth a copy in memory.
    const fd = openSync(temp, 'w');
    try {
      for (const part of [lead, json, headPad, ...parts]) writeAll(fd, part);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Half-written files of writers that are gone (killed while writing): a hundred megabytes each, otherwise kept forever. */
function removeOrphans(file: string): void {
  const prefix = `${basename(file)}.`;
  for (const name of readdirSync(dirname(file))) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -4)) : NaN;
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    rmSync(join(dirname(file), name), { force: true });
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength;) at += writeSync(fd, bytes, at, bytes.byteLength - at);
}

/** The snapshot in `file`, or why it cannot be used (missing, another format, cut short). */
export function readIndicatorSnapshot(
  file: string,
): { compiled: CompiledIndicators; label: SnapshotLabel } | { problem: string } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return { problem: `cannot open ${file}: ${(err as Error).message}` };
  }
  try {
    const size = fstatSync(fd).size;
    // One shared buffer for the whole file: the typed arrays below are views of it, so handing them
    // to worker threads shares them instead of copying.
    const memory = new SharedArrayBuffer(size);
    const bytes = new Uint8Array(memory);
    for (let at = 0; at < size;) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n === 0) return { problem: `${file} ended at byte ${at} of ${size}` };
      at += n;
    }
    const buffer = Buffer.from(memory);
    if (size < MAGIC.length + 4 || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC)
      return { problem: `${file} is not an indicator snapshot of this version` };
    const headerLength = buffer.readUInt32LE(MAGIC.length);
    const headerEnd = MAGIC.length + 4 + headerLength;
    if (headerEnd > size) return { problem: `${file} is cut short (its header runs past the end)` };
    const header = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, headerEnd)) as Header;
    if (header.endianness !== endianness()) return { problem: `${file} was written on a machine of other byte order` };
    const base = headerEnd + ((ALIGN - (headerEnd % ALIGN)) % ALIGN);
    const byName = new Map(header.sections.map((s) => [s.name, s]));
    const view = (name: string, kind: Kind) => {
      const s = byName.get(name);
      if (!s || s.kind !== kind || base + s.offset + s.bytes > size)
        throw new Error(`section ${name} is missing or cut short`);
      const at = base + s.offset;
      if (kind === 'text') return buffer.toString('utf8', at, at + s.bytes);
      if (kind === 'i32') return new Int32Array(memory, at, s.bytes / 4);
      if (kind === 'u16') return new Uint16Array(memory, at, s.bytes / 2);
      if (kind === 'f64') return new Float64Array(memory, at, s.bytes / 8);
      return new Uint8Array(memory, at, s.bytes);
    };
    const a = <K extends ArrayName>(name: K) => view(name, ARRAYS[name]) as never;
    const compiled: CompiledIndicators = {
      count: header.count,
      values: view('values', 'text') as string,
      valueStarts: a('valueStarts'),
      types: a('types'),
      validUntil: a('validUntil'),
      blocks: a('blocks'),
      refs: view('refs', 'text') as string,
      refStarts: a('refStarts'),
      domains: {
        chars: a('domains.chars'),
        starts: a('domains.starts'),
        ids: a('domains.ids'),
        subtree: a('domains.subtree'),
        hashes: a('domains.hashes'),
        slots: a('domains.slots'),
        filter: a('domains.filter'),
      },
    };
    if (compiled.valueStarts.length !== compiled.count + 1 || compiled.types.length !== compiled.count)
      return { problem: `${file} does not hold ${header.count} indicators as its header says` };
    return { compiled, label: header.label };
  } catch (err) {
    return { problem: `${file} cannot be read as an indicator snapshot: ${(err as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

export type CurrentIndicators = {
  compiled: CompiledIndicators;
  /** snapshot: read from the file; store: compiled from the claims now (and the file written). */
  from: 'snapshot' | 'store';
  /** Why the file was not used, when it was not. */
  problem?: string;
};

/**
 * The effective indicators compiled, from the snapshot in `file` when it is current, otherwise from
 * the store (then written to `file` for the next start; a file that cannot be written costs only that).
 */
export async function currentIndicators(
  db: Kysely<Database>,
  file: string,
  now = new Date(),
): Promise<CurrentIndicators> {
  // Read before the claims: a change made while they are read leaves the label behind, never ahead.
  const revision = await intelRevision(db);
  const read = readIndicatorSnapshot(file);
  let problem: string;
  if ('compiled' in read) {
    const { label } = read;
    if (label.revision === revision && now.getTime() < label.firstExpiryMs)
      return { compiled: read.compiled, from: 'snapshot' };
    problem =
      label.revision !== revision
        ? `it was written at another revision of the claims (${label.revision}; now ${revision})`
        : `a claim in it expired at ${new Date(label.firstExpiryMs).toISOString()}`;
  } else problem = read.problem;
  const compiled = await compileFromStore(db, file, revision, now);
  return { compiled, from: 'store', problem };
}

/** Compiles the effective claims at `now` and writes them to `file` labelled with `revision` (read beforehand). */
async function compileFromStore(
  db: Kysely<Database>,
  file: string,
  revision: string,
  now: Date,
): Promise<CompiledIndicators> {
  const { items, firstExpiryMs } = await loadIndicators(db, now);
  const compiled = compileIndicators(items);
  try {
    writeIndicatorSnapshot(file, compiled, { revision, firstExpiryMs, builtAt: now.toISOString() });
  } catch {
    // A read-only data directory, a full disk: the next start compiles again, nothing is wrong.
  }
  return compiled;
}

/** Brings the snapshot up to date after the claims changed (an import): the next start then reads it. */
export async function refreshIndicatorSnapshot(db: Kysely<Database>, file: string, now = new Date()): Promise<void> {
  await currentIndicators(db, file, now);
}

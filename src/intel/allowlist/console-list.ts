import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { IntelConfig } from '../../config/intel-schema.js';
import type { AllowEntry } from './entry.js';

// The allowlist operators edit from the console: a JSON file beside the configured lists, so every
// process that reads the lists (serve, `intel fetch`, `enforce publish`) sees the same entries without
// a database round trip. Each entry carries why it is there, who added it and until when it holds.

/** The kinds an operator adds by hand: regex and substring entries belong in a reviewed config file. */
export const CONSOLE_ALLOW_KINDS = ['exact', 'hostname', 'cidr'] as const;

const entrySchema = z.object({
  id: z.string().min(1),
  kind: z.enum(CONSOLE_ALLOW_KINDS),
  value: z.string().min(1),
  reason: z.string(),
  /** ISO 8601; null: until removed. */
  expiresAt: z.string().nullable(),
  addedBy: z.string(),
  addedAt: z.string(),
});
const fileSchema = z.object({ entries: z.array(entrySchema) });

export type ConsoleEntry = z.output<typeof entrySchema>;

export function consoleListPath(intel: IntelConfig, baseDir: string): string {
  return resolve(baseDir, intel.console_allowlist.file);
}

/** An entry's verdict text, as claims record it in suppressed_by: `list / kind:value`. */
export function consoleVerdictText(intel: IntelConfig, entry: Pick<ConsoleEntry, 'kind' | 'value'>): string {
  return `${intel.console_allowlist.name} / ${entry.kind}:${entry.value}`;
}

/**
 * Every entry in the file, expired ones included; none when the file does not exist yet. A file that
 * is not the expected JSON throws with the path and what is wrong: callers treat it as an unreadable list.
 */
export function readConsoleEntries(path: string): ConsoleEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message}); restore it or remove the file`, { cause: err });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a console allowlist: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`);
  }
  return parsed.data.entries;
}

/** The entries that hold at `now`, as allowlist entries (the reason as the comment). */
export function activeConsoleEntries(entries: ConsoleEntry[], now: Date): AllowEntry[] {
  const at = now.toISOString();
  return entries
    .filter((e) => e.expiresAt === null || e.expiresAt > at)
    .map((e) => ({ kind: e.kind, value: e.value, comment: e.reason }));
}

// One change at a time within the process: a read-modify-write of the file must not interleave.
let writing: Promise<unknown> = Promise.resolve();

/**
 * Changes the file: `change` gets the current entries and returns the next ones. The new file is
 * written beside the old and renamed over it, so a reader never sees half a file.
 */
export function updateConsoleEntries<T>(
  path: string,
  change: (entries: ConsoleEntry[]) => { entries: ConsoleEntry[]; result: T },
): Promise<T> {
  const run = writing.then(() => {
    const { entries, result } = change(readConsoleEntries(path));
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ entries }, null, 2)}\n`, { mode: 0o640 });
    renameSync(temporary, path);
    return result;
  });
  writing = run.catch(() => undefined);
  return run;
}

export function newConsoleEntry(fields: Omit<ConsoleEntry, 'id'>): ConsoleEntry {
  return { id: randomUUID(), ...fields };
}

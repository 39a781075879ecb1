import { statSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { Database } from '../store/schema.js';
import { countsSince, listPositions } from '../store/sightings.js';

type Totals = { observed: number; matched: number; rejected: number; dropped: number };

export type InputState = {
  input: string;
  /** file, dnstap, syslog as configured; replay for `observe replay` runs. */
  type: string;
  format: string;
  position: { path: string; offset: number; line: number; updatedAt: string } | null;
  /** For a file input: bytes written to the file that are not read yet (null when unknown). */
  behindBytes: number | null;
  /** Observations per second over the last five minutes. */
  ratePerSecond: number;
  lastHour: Totals;
};

/**
 * Each input's state from the store — positions and per-minute counts — so that `observe status`
 * works from a shell beside a running `serve` and after it stopped. Configured inputs that have seen
 * nothing yet are listed too, with zeros.
 */
export async function observeStatus(
  db: Kysely<Database>,
  config: Config,
  now = Date.now(),
): Promise<{ inputs: InputState[] }> {
  const hour = await countsSince(db, new Date(now - 3_600_000).toISOString());
  const fiveMinutes = await countsSince(db, new Date(now - 300_000).toISOString());
  // Lease sources keep their file positions in the same table, under `lease:` names: not observation inputs.
  const positions = (await listPositions(db)).filter((p) => !p.input.startsWith('lease:'));
  const names = new Set<string>([
    ...config.observe.inputs.map((i) => i.name),
    ...hour.map((c) => c.input),
    ...positions.map((p) => p.input),
  ]);
  const inputs: InputState[] = [];
  for (const name of names) {
    const position = positions
      .filter((p) => p.input === name)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
    const sum = (rows: typeof hour): Totals =>
      rows
        .filter((r) => r.input === name)
        .reduce(
          (t, r) => ({
            observed: t.observed + r.observed,
            matched: t.matched + r.matched,
            rejected: t.rejected + r.rejected,
            dropped: t.dropped + r.dropped,
          }),
          {
            observed: 0,
            matched: 0,
            rejected: 0,
            dropped: 0,
          },
        );
    inputs.push({
      input: name,
      ...kindOf(name, config),
      position: position
        ? { path: position.path, offset: position.offset, line: position.line, updatedAt: position.updatedAt }
        : null,
      behindBytes: position ? behind(position.path, position.ino, position.offset) : null,
      ratePerSecond: sum(fiveMinutes).observed / 300,
      lastHour: sum(hour),
    });
  }
  return { inputs };
}

/** What an input is and which format it reads: from its config, or from the name a built-in input writes under. */
function kindOf(name: string, config: Config): { type: string; format: string } {
  const configured = config.observe.inputs.find((i) => i.name === name);
  if (configured?.type === 'file') return { type: 'file', format: configured.format };
  if (configured) return { type: configured.type, format: configured.type };
  if (name.startsWith('replay:')) return { type: 'replay', format: name.slice('replay:'.length) };
  return { type: name === 'sinkhole' ? 'sinkhole' : 'unknown', format: name };
}

function behind(path: string, ino: number, offset: number): number | null {
  try {
    const st = statSync(path);
    return st.ino === ino ? Math.max(0, st.size - offset) : st.size;
  } catch {
    return null;
  }
}

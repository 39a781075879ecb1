/** Knobs shared by the benches, from the environment. */
export const settings = {
  /** Seconds of each measured load run (warm-ups are 2 s on top). */
  durationS: positive(process.env.BENCH_DURATION, 10),
  connections: Math.round(positive(process.env.BENCH_CONNECTIONS, 20)),
  postgresUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
};

function positive(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`expected a positive number, got "${raw}"`);
  return value;
}

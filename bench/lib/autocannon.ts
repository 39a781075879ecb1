import autocannon, { type RequestSpec } from 'autocannon';
import { createRequire } from 'node:module';
import { rowBase, type LoadSpec } from './load.js';
import type { Row } from './result.js';

const version = (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;

export type AutocannonSpec = LoadSpec & { method?: string; body?: string; requests?: RequestSpec[] };

/** One autocannon run in this process; resolves when its fixed duration is over. */
export async function runAutocannon(spec: AutocannonSpec): Promise<Row> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 10,
    ...(spec.headers && { headers: spec.headers }),
    ...(spec.method && { method: spec.method }),
    ...(spec.body && { body: spec.body }),
    ...(spec.requests && { requests: spec.requests }),
  });
  return {
    ...rowBase(spec),
    tool: `autocannon ${version}`,
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    requests: result['2xx'] + result.non2xx,
  };
}

/** Load the server without recording anything, so JIT, caches and pools are warm before measuring. */
export async function warmUp(spec: AutocannonSpec, seconds = 2): Promise<void> {
  await runAutocannon({ ...spec, durationS: seconds });
}

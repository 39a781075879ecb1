import { Worker } from 'node:worker_threads';

/**
 * A worker thread running `entry`, a module beside the caller given as its `.ts` URL: the built `.js` in
 * production; under tsx (tests, benchmarks) the `.ts` itself, through tsx's loader.
 */
export function startWorker(entry: URL, workerData?: unknown): Worker {
  if (!entry.href.endsWith('.ts') || !import.meta.url.endsWith('.ts'))
    return new Worker(new URL(entry.href.replace(/\.ts$/, '.js')), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

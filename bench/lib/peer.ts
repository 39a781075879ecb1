import { join } from 'node:path';
import { startService } from './child.js';
import type { Cleanup } from './cleanup.js';
import { freePort } from './free-port.js';
import { benchDir, repoRoot } from './paths.js';

/** Starts bench/peer/fastify-server.ts as its own process; resolves to the URL of its JSON GET. */
export async function startPeer(cleanup: Cleanup): Promise<string> {
  const port = await freePort();
  const service = await startService(
    process.execPath,
    ['--import', 'tsx', join(benchDir, 'peer', 'fastify-server.ts'), String(port)],
    {
      env: process.env,
      cwd: repoRoot,
      ready: /peer listening on/,
      label: 'peer fastify server',
    },
  );
  cleanup.add('stop peer', () => service.stop());
  return `http://127.0.0.1:${port}/ping`;
}

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './daemon.js';

const run = promisify(execFile);

/**
 * Stops a Postfix a test started with `postfix -c <etc> start` and a queue under `<root>/queue`, and
 * waits until its master process is gone (killing it after 15 s), so the next test's Postfix never
 * meets this one.
 */
export async function stopPostfix(etc: string, root: string): Promise<void> {
  const pidFile = join(root, 'queue', 'pid', 'master.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  await run('/usr/sbin/postfix', ['-c', etc, 'stop'], { timeout: 30_000 }).catch(() => undefined);
  // master.pid outlives the master: whether it runs is asked of the process itself.
  const alive = () => {
    try {
      return pid > 0 && process.kill(pid, 0);
    } catch {
      return false;
    }
  };
  await eventually('postfix stopped', async () => (alive() ? 'running' : true), 15_000).catch(() => {
    if (alive()) process.kill(pid, 'SIGKILL');
  });
}

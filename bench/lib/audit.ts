import type { Mizugiwa } from './mizugiwa.js';

/** The id of the newest audit entry (`audit list --json -n 1`); 0 on an empty trail. */
export async function newestAuditId(server: Mizugiwa): Promise<number> {
  const { code, stdout, stderr } = await server.cli(['audit', 'list', '--json', '-n', '1']);
  if (code !== 0) throw new Error(`audit list failed (exit ${code}): ${stderr}`);
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  return line ? Number((JSON.parse(line) as { id: number }).id) : 0;
}

/** `audit verify`: exit code 0 means the hash chain is intact. */
export async function verifyAudit(server: Mizugiwa): Promise<{ ok: boolean; message: string }> {
  const { code, stdout, stderr } = await server.cli(['audit', 'verify']);
  const message = (stdout.trim().split('\n')[0] ?? stderr.trim()).trim();
  return { ok: code === 0, message: `${message} (exit ${code})` };
}

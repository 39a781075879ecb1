import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { ArtifactFile } from './point.js';

const run = promisify(execFile);

/** A reload command failed: the previous files are back in place. `output` is what the command printed. */
export class ReloadFailed extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(`"${command}" failed: ${output.trim().slice(-2000) || 'no output'}`);
    this.name = 'ReloadFailed';
  }
}

/**
 * Writes a file so that a reader sees the old or the new content, never a part: a temporary file
 * beside it, then a rename over it.
 */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/**
 * Installs files, then runs `reload` (the commands that make the device read them). If a reload
 * fails, the previous files (or their absence) are restored before the error is rethrown, so the
 * device's next restart reads what it runs now.
 */
export async function installFiles(files: ArtifactFile[], reload: () => Promise<void>): Promise<void> {
  const backups: { path: string; backup: string | undefined }[] = [];
  try {
    for (const file of files) {
      let backup: string | undefined;
      if (existsSync(file.path)) {
        backup = `${file.path}.previous`;
        copyFileSync(file.path, backup);
      }
      backups.push({ path: file.path, backup });
      writeFileAtomic(file.path, file.content);
    }
    await reload();
  } catch (err) {
    for (const { path, backup } of backups.reverse()) {
      if (backup) renameSync(backup, path);
      else rmSync(path, { force: true });
    }
    throw err;
  }
  for (const { backup } of backups) if (backup) rmSync(backup, { force: true });
}

/**
 * Runs an operator-configured command (`squid -k reconfigure`, `nft -f {file}`) through /bin/sh, with
 * `{name}` placeholders replaced by shell-quoted values. Throws ReloadFailed with its output.
 */
export async function runCommand(
  command: string,
  values: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<string> {
  const expanded = command.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? shellQuote(values[name] as string) : whole,
  );
  try {
    const { stdout, stderr } = await run('/bin/sh', ['-c', expanded], { timeout: timeoutMs, maxBuffer: 16 << 20 });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new ReloadFailed(expanded, `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message);
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

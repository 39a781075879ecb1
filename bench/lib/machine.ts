import { readFileSync } from 'node:fs';
import os from 'node:os';

export type Machine = { cpu: string; cores: number; ramGiB: number; node: string; os: string };

/** What the numbers were measured on. */
export function describeMachine(): Machine {
  return {
    cpu: cpuModel() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${osName() ?? os.type()} (kernel ${os.release()}, ${os.arch()})`,
  };
}

function cpuModel(): string | undefined {
  const line = readIfExists('/proc/cpuinfo')
    ?.split('\n')
    .find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim();
}

function osName(): string | undefined {
  const line = readIfExists('/etc/os-release')
    ?.split('\n')
    .find((l) => l.startsWith('PRETTY_NAME='));
  return line?.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '');
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

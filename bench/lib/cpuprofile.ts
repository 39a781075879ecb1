// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time and the
// most inclusive time, by file:line:function, so a profile reads as a short table instead of a flame chart.
//   node --import tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export type FunctionCost = { name: string; selfMs: number; totalMs: number };

/** Self and inclusive time per function, sorted by self time; recursion is not counted twice. */
export function summariseProfile(file: string): { wallMs: number; functions: FunctionCost[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const key = label(byId.get(id)!);
    self.set(key, (self.get(key) ?? 0) + us);
    const counted = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = label(byId.get(at)!);
      if (counted.has(k)) continue;
      counted.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const functions = [...self.keys(), ...[...total.keys()].filter((k) => !self.has(k))].map((name) => ({
    name,
    selfMs: (self.get(name) ?? 0) / 1000,
    totalMs: (total.get(name) ?? 0) / 1000,
  }));
  functions.sort((a, b) => b.selfMs - a.selfMs);
  return { wallMs: (profile.endTime - profile.startTime) / 1000, functions };
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || (url ? '(anonymous)' : '');
  if (!url) return name; // (garbage collector), (program), (idle), native builtins
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(repoRoot)) path = path.slice(repoRoot.length);
  // Code run through tsx reports line 0 for everything (positions are in the transformed text): no line then.
  return lineNumber === 0 && path.endsWith('.ts') ? `${path} ${name}` : `${path}:${lineNumber + 1} ${name}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpuprofile.ts <file.cpuprofile> [top]');
  const { wallMs, functions } = summariseProfile(file);
  const pct = (ms: number) => `${((ms / wallMs) * 100).toFixed(1)} %`;
  process.stdout.write(`profile ${file}: ${(wallMs / 1000).toFixed(1)} s\n\nby self time:\n`);
  for (const f of functions.slice(0, Number(top)))
    process.stdout.write(`${f.selfMs.toFixed(0).padStart(8)} ms ${pct(f.selfMs).padStart(7)}  ${f.name}\n`);
  process.stdout.write('\nby inclusive time:\n');
  for (const f of [...functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, Number(top)))
    process.stdout.write(`${f.totalMs.toFixed(0).padStart(8)} ms ${pct(f.totalMs).padStart(7)}  ${f.name}\n`);
}

// The demo's fill step: write a small ISP's files into a directory (feeds, a day of resolver logs, RADIUS and CGNAT
// logs, the subscriber export, abuse reports) with a config that points at them, then run them through the product
// the way an operator would — the `mizugiwa` command: subscriber import, attribute import, intel fetch, observe
// replay, abuse import, enforce publish. Nothing here writes to the store directly. No network is used.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeC2Feed, writePhishingFeed } from './feed-files.js';
import { writeCgnatLog, writeQueryLog, writeRadiusDetail, writeSubscribers } from './network-files.js';
import { writeReports } from './report-files.js';
import { buildWorld, CGNAT_PUBLIC_PREFIX, expectedTop, PUBLIC_PREFIX, type World } from './world.js';

const ENTRY = resolve(import.meta.dirname, '../../bin/mizugiwa.js');
/** Left in a demo directory, so a second run may empty it; a directory without it is never emptied. */
const MARKER = '.mizugiwa-demo';

export type DemoStep = { step: string; seconds: number; result: unknown };

export type DemoFill = {
  dir: string;
  world: World;
  /** What the dashboard's top lists must start with. */
  expected: { subscriber: string; indicator: string };
  steps: DemoStep[];
};

export type DemoOptions = {
  now?: number;
  subscribers?: number;
  /** Called with a line for each step as it starts and ends. */
  log?: (line: string) => void;
};

export const CONFIG = `# Written by \`npm run demo\`: a small ISP's feeds, logs and reports in this directory.
# Every path is relative to this file. See mizugiwa.example.yaml for all settings.
data_dir: ./data
ui:
  timezone: Asia/Tokyo
intel:
  sources:
    - name: c2-threatfox
      format: threatfox-csv
      file: feeds/c2-threatfox.csv
      schedule: '0 * * * *'
    - name: phishing-partner
      format: csv
      file: feeds/phishing.csv
      category: phishing
      confidence: 90
      options:
        type: domain
        columns: { value: host, first_seen: submitted_at, confidence: confidence }
enforce:
  rpz:
    listen: '127.0.0.1:5300'
  sinkhole:
    listen: '127.0.0.1:8081'
  # The proxy point in shadow mode: it publishes what it would block and blocks nothing.
  squid:
    enabled: true
    monitor: true
    reload_command: ''
abuse:
  own_prefixes: ['${PUBLIC_PREFIX}', '${CGNAT_PUBLIC_PREFIX}', '100.64.0.0/10']
`;

/** Empties `dir` if it is a demo directory (or creates it); refuses a directory with other things in it. */
function prepare(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, MARKER))) {
      throw new Error(
        `${dir} is not empty and was not made by the demo; give an empty or new directory ` +
          `(npm run demo -- <dir>) / ${dir} は空ではなく、デモが作ったものでもありません。空か新しいディレクトリを指定してください。`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  for (const sub of ['feeds', 'logs', 'leases', 'reports']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by npm run demo; the demo empties this directory when run on it again\n');
}

/** The environment for the `mizugiwa` command: this one without MIZUGIWA_* (the demo's config decides). */
export function demoEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MIZUGIWA_') && !key.startsWith('NODE_TEST')) env[key] = value;
  }
  return { ...env, LANG: env.LANG ?? 'C.UTF-8', ...extra };
}

export async function fillDemo(dirArg: string, options: DemoOptions = {}): Promise<DemoFill> {
  const dir = resolve(dirArg);
  const log = options.log ?? (() => undefined);
  if (!existsSync(ENTRY.replace(/bin\/mizugiwa\.js$/, 'dist/cli/main.js'))) {
    throw new Error(
      'mizugiwa is not built yet: run `npm run build` (npm ci does it) / 先に npm run build を実行してください',
    );
  }
  prepare(dir);
  const world = buildWorld({
    ...(options.now !== undefined && { now: options.now }),
    subscribers: options.subscribers,
  });

  log('writing the feeds, logs and reports');
  writeFileSync(join(dir, 'mizugiwa.yaml'), CONFIG);
  writeSubscribers(world, join(dir, 'subscribers.csv'));
  writeRadiusDetail(world, join(dir, 'leases', 'radius.detail'));
  writeCgnatLog(world, join(dir, 'leases', 'cgnat.log'));
  writeC2Feed(world, join(dir, 'feeds', 'c2-threatfox.csv'));
  writePhishingFeed(world, join(dir, 'feeds', 'phishing.csv'));
  const lines = writeQueryLog(world, join(dir, 'logs', 'query.log'));
  const reports = writeReports(world, join(dir, 'reports'));
  log(`  ${world.subscribers.length} subscribers, ${lines} resolver log lines, ${reports.length} abuse reports`);

  const steps: DemoStep[] = [];
  // Every command but `abuse case move` can answer in JSON.
  const run = (step: string, args: string[], json = true): string => {
    log(`mizugiwa ${args.join(' ')}`);
    const started = performance.now();
    const r = spawnSync(process.execPath, [ENTRY, ...args, ...(json ? ['--json'] : [])], {
      cwd: dir,
      env: demoEnv(),
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      throw new Error(
        `demo step "${step}" failed (mizugiwa ${args.join(' ')}, exit ${r.status}):\n${r.stderr}${r.stdout}`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const result = parseLastJson(r.stdout);
    steps.push({ step, seconds, result });
    log(`  done in ${seconds.toFixed(1)} s`);
    return r.stdout;
  };

  run('subscribers', ['subscriber', 'import', 'subscribers.csv']);
  run('radius', [
    'attribute',
    'import',
    'leases/radius.detail',
    '-f',
    'freeradius-detail',
    '-s',
    'bras1',
    '--timezone',
    'UTC',
  ]);
  run('cgnat', ['attribute', 'import', 'leases/cgnat.log', '-f', 'juniper-pba', '-s', 'cgn1', '--timezone', 'UTC']);
  run('c2 feed', ['intel', 'fetch', 'c2-threatfox']);
  run('phishing feed', ['intel', 'fetch', 'phishing-partner']);
  run('resolver log', ['observe', 'replay', 'logs/query.log', '-f', 'bind-querylog', '--timezone', 'UTC']);
  for (const report of reports) run(`report ${report}`, ['abuse', 'import', report]);
  // The desk has started on the oldest infections: two subscribers notified, one of them reminded since.
  const infected = run('cases', ['abuse', 'cases', '--limit', '200'])
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: number; type: string })
    .filter((c) => c.type === 'infected-system')
    .sort((a, b) => a.id - b.id);
  for (const [i, kase] of infected.slice(0, 2).entries()) {
    run('notified', ['abuse', 'case', 'move', String(kase.id), 'notified', '--reason', 'demo: told by phone'], false);
    if (i === 0)
      run(
        'reminded',
        ['abuse', 'case', 'move', String(kase.id), 'reminded', '--reason', 'demo: still infected'],
        false,
      );
  }
  run('enforce', ['enforce', 'publish']);
  return { dir, world, expected: expectedTop(world), steps };
}

/** What a command printed with --json: one object (some pretty-printed over several lines), or JSON lines (the last). */
function parseLastJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    // JSON lines
  }
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line);
    } catch {
      // a progress or table line
    }
  }
  return stdout.trim();
}

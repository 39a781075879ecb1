import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/server.js';
import { ensureFirstAdmin } from '../auth/users.js';
import { parseListen, type Config } from '../config/index.js';
import { housekeeping } from '../jobs/housekeeping.js';
import { cancelAllJobs } from '../jobs/run.js';
import { startScheduler, type Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import { migrate } from '../store/migrate.js';
import { failStaleJobs } from '../store/jobs.js';
import { openStore, type Store } from '../store/open.js';
import { acquireInstanceLock, type InstanceLock } from './instance-lock.js';
import { loadAllowlists } from '../intel/allowlist/load.js';
import { registerIntelReplayers } from '../intel/replay.js';
import { registerObserveReplayers } from '../observe/replay-dead-letters.js';
import { sourceTasks } from '../intel/schedule.js';
import { SNAPSHOT_FILE } from '../match/indicator-snapshot.js';
import { createLiveMatcher } from '../match/live.js';
import { startEnforcement, type Enforcement } from './enforcement.js';
import { startObservation, type Observation } from './observation.js';
import { startAttribution, type Attribution } from './attribution.js';
import { startAbuse, type Abuse } from './abuse.js';
import { describeNotifier, notifierTasks } from '../abuse/notices/index.js';

export type RunningServer = {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Stops accepting, lets in-flight requests and writes finish, then closes the store. Idempotent. */
  stop(reason: string): Promise<void>;
};

const SHUTDOWN_GRACE_MS = 10_000;

/** Everything `mizugiwa serve` starts, in order; and the reverse on stop. */
export async function startServer(
  config: Config,
  configDir: string,
  log: Logger,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<RunningServer> {
  const store = await openStore(config);
  let lock: InstanceLock | undefined;
  let scheduler: Scheduler | undefined;
  let app: FastifyInstance | undefined;
  let enforcement: Enforcement | undefined;
  let observation: Observation | undefined;
  let attribution: Attribution | undefined;
  let abuse: Abuse | undefined;
  try {
    if (store.sqliteFile) lock = acquireInstanceLock(store.sqliteFile);
    const { applied } = await migrate(store);
    if (applied.length) log.info({ applied, store: store.location }, 'database migrated');
    const interrupted = await failStaleJobs(store.db, 120_000);
    if (interrupted) log.warn({ interrupted }, 'marked jobs left running by a stopped process as failed');

    const password = await ensureFirstAdmin(store.db);
    const matcher = await createLiveMatcher(store.db, { snapshotFile: join(config.data_dir, SNAPSHOT_FILE) });
    log.info({ indicators: matcher.current.counts }, 'matcher built');
    attribution = await startAttribution({ db: store.db, config, configDir, log });
    abuse = await startAbuse({ db: store.db, config, configDir, log });
    observation = await startObservation({ store, config, configDir, log, matcher });
    enforcement = await startEnforcement({
      db: store.db,
      config,
      configDir,
      log,
      matcher,
      observe: observation.pipeline,
    });
    app = await buildApp({
      store,
      config,
      configDir,
      log,
      enforcer: enforcement.enforcer,
      observation: observation.pipeline,
      abuse,
      matcher,
    });
    const { host, port } = parseListen(config.http.listen)!;
    await app.listen({ host, port });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

    if (password) printFirstAdmin(print, password, url);
    const { checker, problems } = loadAllowlists(config.intel, configDir);
    for (const p of problems) log.warn(p);
    registerIntelReplayers(store.db, config.intel, checker);
    registerObserveReplayers(store.db, {
      matcher: () => matcher.current,
      windowMs: config.observe.window_minutes * 60_000,
      zone: '',
    });
    scheduler = startScheduler(
      [
        { name: 'housekeeping', cron: config.jobs.housekeeping_cron, run: () => housekeeping(store.db, config) },
        // Expiry is applied at lookup time; this rebuild just keeps the index free of what expired.
        { name: 'matcher-rebuild', cron: '*/10 * * * *', run: () => matcher.rebuild() },
        ...sourceTasks(store.db, config, configDir, matcher, log, () => enforcement?.enforcer.poke()),
        ...notifierTasks(store.db, config.abuse.notices, configDir, log),
      ],
      log,
    );
    print(`Mizugiwa is listening on ${url} (web UI, API, docs at ${url}/api/docs) — store: ${store.location}`);
    for (const line of enforcement.describe()) print(line);
    for (const line of observation.describe()) print(line);
    for (const line of attribution.describe()) print(line);
    for (const line of abuse.describe()) print(line);
    print(describeNotifier(config.abuse.notices));
    log.info({ url, store: store.location }, 'server started');

    let stopping: Promise<void> | undefined;
    const running = app;
    const enforcing = enforcement;
    const observing = observation;
    const attributing = attribution;
    const desk = abuse;
    const stop = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        log.info({ reason }, 'stopping');
        scheduler?.stop();
        const closing = running.close();
        const cancelled = await cancelAllJobs();
        if (cancelled) log.info({ cancelled }, 'cancelled running jobs');
        await enforcing.stop();
        // After enforcement: the sinkhole hands its last hits to the pipeline before it drains.
        await observing.stop();
        await attributing.stop();
        await desk.stop();
        const timer = setTimeout(() => {
          log.warn('in-flight requests did not finish in time; closing connections');
          running.server.closeAllConnections();
        }, SHUTDOWN_GRACE_MS);
        await closing;
        clearTimeout(timer);
        await store.close();
        lock?.release();
        log.info('stopped');
      })();
      return stopping;
    };
    return { url, app, store, stop };
  } catch (err) {
    scheduler?.stop();
    await enforcement?.stop().catch(() => undefined);
    await observation?.stop().catch(() => undefined);
    await attribution?.stop().catch(() => undefined);
    await abuse?.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    lock?.release();
    throw err;
  }
}

function printFirstAdmin(print: (line: string) => void, password: string, url: string): void {
  print('');
  print('  First start: created the user "admin".');
  print(`  One-time password: ${password}`);
  print(`  Sign in at ${url} — you will be asked to choose a new password (or run: mizugiwa user passwd admin).`);
  print('  This password is shown only now.');
  print('  初回起動: ユーザー「admin」を作成しました。');
  print(`  一時パスワード: ${password}`);
  print(`  ${url} でログインすると新しいパスワードの設定を求められます（または mizugiwa user passwd admin）。`);
  print('  このパスワードは今回しか表示されません。');
  print('');
}

/** Stops the server on SIGINT/SIGTERM; a second signal while stopping exits at once. */
export function stopOnSignals(server: RunningServer, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
      signalled = true;
      server.stop(signal).then(resolve, (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { EventAttributionSummary } from '../abuse/attribute-events.js';
import {
  ABUSE_SYSTEM_AUDIT,
  abuseAttributionOptions,
  attributionRunner,
  loadAbuseContext,
  type AbuseIntakeStatus,
  type AbuseRuntime,
  type AttributionRunner,
} from '../abuse/desk.js';
import type { IncomingMail, MailSink } from '../abuse/intake/incoming-mail.js';
import { pollImap, type ImapPoller } from '../abuse/intake/imap-poll.js';
import { watchMaildir, type MaildirWatcher } from '../abuse/intake/maildir.js';
import { startSmtpListener, type SmtpListener } from '../abuse/intake/smtp-listener.js';
import { receiveReport, type AbuseContext, type ReportOutcome, type ReportTransport } from '../abuse/receive-report.js';
import { retryUnassigned } from '../abuse/unassigned.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/schema.js';
import { scheduleShadowserverFetch, type ShadowserverFetch } from './abuse-shadowserver.js';

// What `serve` runs for the abuse desk: the configured intake transports (SMTP listener, Maildir
// watchers, IMAP pollers, the Shadowserver Reports API on its schedule), each handing what it receives
// to the one intake path, and attribution of the events that arrive: after each report, every minute
// (events imported from the command line while serving), and once an hour for `no-lease` events of
// the last day, whose lease log may have arrived after the report. One bad mail costs that mail only;
// a transport that cannot start is logged and the others run.

const ATTRIBUTE_EVERY_MS = 60_000;
const RETRY_NO_LEASE_EVERY_MS = 3_600_000;
const RETRY_NO_LEASE_FOR_MS = 86_400_000;

export type Abuse = AbuseRuntime & {
  /** Lines for the start-up banner: where each transport listens or reads. */
  describe(): string[];
  /** The SMTP listener's address, when one runs (port 0 in the config becomes the one chosen). */
  smtpAddress(): { address: string; port: number } | undefined;
  /** Runs the Shadowserver API fetch now (it also runs at start and on its schedule). */
  fetchShadowserver(): Promise<void>;
  /** Puts `no-lease` events of the last day back for another look-up, and attributes them. */
  retryNoLease(): Promise<EventAttributionSummary>;
  /** Stops the transports (letting the message in hand be stored), the schedule, and waits for attribution. */
  stop(): Promise<void>;
};

export async function startAbuse(deps: {
  db: Kysely<Database>;
  config: Config;
  configDir: string;
  log: Logger;
}): Promise<Abuse> {
  const log = deps.log.child({ component: 'abuse' });
  const { db, config, configDir } = deps;
  const intake = config.abuse.intake;
  const lines: string[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  let context: AbuseContext;
  try {
    context = await loadAbuseContext(db, config, configDir);
    if (context.shadowserverSchema)
      lines.push(`Abuse desk: Shadowserver report types from ${resolve(configDir, config.abuse.shadowserver_schema)}`);
  } catch (err) {
    // Reports still arrive and are kept; unknown report types are read generically and flagged for review.
    log.error({ err }, 'abuse: the Shadowserver schema file could not be used; reading with the bundled schema');
    lines.push('Abuse desk: Shadowserver schema file FAILED to load (see the log): using the bundled schema');
    context = {
      db,
      dataDir: resolve(configDir, config.data_dir),
      attribution: abuseAttributionOptions(config, ABUSE_SYSTEM_AUDIT),
    };
  }

  const received = new Map<string, number>();
  const count = (transport: ReportTransport, outcome: 'stored' | 'duplicate' | 'failed') => {
    const key = `${transport}\0${outcome}`;
    received.set(key, (received.get(key) ?? 0) + 1);
  };
  const attribution = { runs: 0, failures: 0, attributed: 0, unassigned: 0, casesOpened: 0 };
  /** Adds what a run did, or what a report's intake did as its events went in, to the status counters. */
  const tally = (s: EventAttributionSummary | undefined) => {
    if (!s) return;
    attribution.attributed += s.attributed;
    attribution.unassigned += s.unassigned;
    attribution.casesOpened += s.casesOpened;
  };
  const runner = attributionRunner(db, config);
  const attribute: AttributionRunner = {
    idle: () => runner.idle(),
    async run() {
      try {
        const s = await runner.run();
        attribution.runs++;
        tally(s);
        if (s.attributed + s.unassigned > 0) log.info({ ...s }, 'abuse: events attributed');
        return s;
      } catch (err) {
        attribution.failures++;
        throw err;
      }
    },
  };
  const attributeInBackground = () => {
    if (stopped) return;
    attribute.run().catch((err: unknown) => log.error({ err }, 'abuse: attributing new events failed; tried again'));
  };

  /** A mail from any transport: stored and parsed; rejected only when it was not stored, so the sender retries. */
  const mailSink: MailSink = async (mail: IncomingMail) => {
    let outcome: ReportOutcome;
    try {
      outcome = await receiveReport(context, bytesOf(mail.raw), {
        transport: mail.transport,
        origin: mail.origin,
        fileName: 'message',
        receivedAt: mail.receivedAt,
      });
    } catch (err) {
      if (await wasStored(db, mail.raw)) {
        // Kept as evidence with its report row (marked unreadable, with the error): a bug to fix and a
        // report to parse again, not a mail for the MTA to send again.
        count(mail.transport, 'stored');
        log.error({ err, origin: mail.origin }, 'abuse: a report was stored but could not be parsed');
        return;
      }
      count(mail.transport, 'failed');
      throw err;
    }
    count(mail.transport, outcome.duplicate ? 'duplicate' : 'stored');
    tally(outcome.attribution);
    log.info(
      { transport: mail.transport, origin: mail.origin, ...outcome },
      outcome.duplicate ? 'abuse: report received again (not added)' : 'abuse: report received',
    );
    attributeInBackground();
  };

  const inputs: {
    transport: string;
    input: string;
    counters: () => Record<string, number>;
    lastError?: () => string | undefined;
  }[] = [];
  let smtp: SmtpListener | undefined;

  if (intake.smtp) {
    const s = intake.smtp;
    try {
      smtp = await startSmtpListener(
        {
          ...s,
          tls_key: s.tls_key && resolve(configDir, s.tls_key),
          tls_cert: s.tls_cert && resolve(configDir, s.tls_cert),
          log,
        },
        mailSink,
      );
      const listener = smtp;
      const where = `${hostForUrl(listener.address.address)}:${listener.address.port}`;
      lines.push(
        `Abuse intake: SMTP on ${where} for ${s.recipients.join(', ')}${s.tls_key ? ' (STARTTLS)' : ''}, up to ${mib(s.max_bytes)} MiB a message`,
      );
      inputs.push({ transport: 'smtp', input: where, counters: () => listener.stats() });
      stoppers.push(() => listener.stop());
    } catch (err) {
      log.error(
        { err, listen: s.listen, port: s.port },
        'abuse: the SMTP listener could not start; the other intakes run',
      );
      lines.push(`Abuse intake: SMTP on ${s.listen}:${s.port} FAILED to start (see the log)`);
    }
  }

  for (const m of intake.maildir) {
    const path = resolve(configDir, m.path);
    try {
      const watcher: MaildirWatcher = await watchMaildir(path, mailSink, {
        scan_seconds: m.scan_seconds,
        max_bytes: m.max_bytes,
        log,
      });
      lines.push(`Abuse intake: Maildir ${path} (new mail at once, a full scan every ${m.scan_seconds} s)`);
      inputs.push({ transport: 'maildir', input: path, counters: () => watcher.stats() });
      stoppers.push(() => watcher.stop());
    } catch (err) {
      log.error({ err, path }, 'abuse: a Maildir could not be watched; the other intakes run');
      lines.push(`Abuse intake: Maildir ${path} FAILED to start (see the log)`);
    }
  }

  for (const i of intake.imap) {
    // The poller never throws: it logs why it cannot connect and keeps trying.
    const poller: ImapPoller = pollImap({ ...i, password_file: resolve(configDir, i.password_file), log }, mailSink);
    const mailbox = `imap://${i.user}@${hostForUrl(i.host)}:${i.port}/${i.folder}`;
    lines.push(
      `Abuse intake: IMAP ${mailbox} every ${i.poll_seconds} s${i.move_to ? `, read mail moved to ${i.move_to}` : ''}`,
    );
    inputs.push({
      transport: 'imap',
      input: mailbox,
      counters: () => {
        const { lastError: _ignored, connected, ...numbers } = poller.stats();
        return { ...numbers, connected: connected ? 1 : 0 };
      },
      lastError: () => poller.stats().lastError,
    });
    stoppers.push(() => poller.stop());
  }

  let shadowserver: ShadowserverFetch | undefined;
  const api = intake.shadowserver_api;
  if (api) {
    const fetcher = scheduleShadowserverFetch({
      db,
      api,
      configDir,
      log,
      async receive(report) {
        const outcome = await receiveReport(context, report.body, {
          transport: 'shadowserver-api',
          // The last segment is the file name: positions are named by it, and it carries the report type.
          origin: `shadowserver-api report ${report.id}/${report.fileName}`,
          fileName: report.fileName,
          format: 'shadowserver',
          reportType: report.type || undefined,
        });
        count('shadowserver-api', outcome.duplicate ? 'duplicate' : 'stored');
        tally(outcome.attribution);
        log.info({ id: report.id, file: report.fileName, ...outcome }, 'abuse: Shadowserver report fetched');
        attributeInBackground();
        return outcome;
      },
    });
    shadowserver = fetcher;
    lines.push(
      `Abuse intake: Shadowserver Reports API ${api.base_url} on "${api.poll}" (UTC), the last ${api.days + 1} days`,
    );
    inputs.push({
      transport: 'shadowserver-api',
      input: api.base_url,
      counters: () => fetcher.stats(),
      lastError: () => fetcher.lastError(),
    });
    stoppers.push(() => fetcher.stop());
  }

  const retryNoLease = async (): Promise<EventAttributionSummary> => {
    const retried = await retryUnassigned(db, {
      reasons: ['no-lease'],
      receivedSince: new Date(Date.now() - RETRY_NO_LEASE_FOR_MS).toISOString(),
    });
    if (retried > 0) log.info({ retried }, 'abuse: no-lease events of the last day looked up again');
    return attribute.run();
  };

  timers.push(setInterval(attributeInBackground, ATTRIBUTE_EVERY_MS));
  timers.push(
    setInterval(() => {
      if (!stopped)
        retryNoLease().catch((err: unknown) => log.error({ err }, 'abuse: retrying no-lease events failed'));
    }, RETRY_NO_LEASE_EVERY_MS),
  );
  // Events left new by a previous run (stopped mid-way, or imported while the server was down).
  attributeInBackground();
  lines.push(
    'Abuse desk: new events attributed as they arrive and every minute; no-lease events retried hourly for a day',
  );

  const status = (): AbuseIntakeStatus => ({
    received: [...received].map(([key, n]) => {
      const [transport, outcome] = key.split('\0') as [string, 'stored' | 'duplicate' | 'failed'];
      return { transport, outcome, count: n };
    }),
    inputs: inputs.map((i) => ({
      transport: i.transport,
      input: i.input,
      counters: i.counters(),
      ...(i.lastError?.() !== undefined && { lastError: i.lastError() }),
    })),
    attribution: { ...attribution },
  });

  return {
    context,
    attribution: attribute,
    status,
    describe: () => lines,
    smtpAddress: () => smtp && { address: smtp.address.address, port: smtp.address.port },
    fetchShadowserver: () => shadowserver?.run() ?? Promise.resolve(),
    retryNoLease,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(
        stoppers.map((stop) => stop().catch((err: unknown) => log.error({ err }, 'abuse: stopping an intake failed'))),
      );
      await runner.idle();
    },
  };
}

/** Whether these exact bytes are a report already: the evidence and its row were written before parsing. */
async function wasStored(db: Kysely<Database>, raw: Uint8Array): Promise<boolean> {
  const sha256 = createHash('sha256').update(raw).digest('hex');
  try {
    return (
      (await db.selectFrom('abuseReports').select('id').where('sha256', '=', sha256).executeTakeFirst()) !== undefined
    );
  } catch {
    return false;
  }
}

async function* bytesOf(raw: Uint8Array): AsyncIterable<Uint8Array> {
  yield raw;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function mib(bytes: number): string {
  return String(Math.round((bytes / 1024 / 1024) * 10) / 10);
}

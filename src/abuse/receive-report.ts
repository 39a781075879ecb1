import type { Kysely } from 'kysely';
import { nowIso } from '../domain/time.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { Progress } from '../jobs/run.js';
import { putDeadLetter } from '../store/dead-letters.js';
import { withBulkWriteCache } from '../store/bulk-write-cache.js';
import { sqliteHandle } from '../store/open.js';
import type { Database } from '../store/schema.js';
import { loadCsvMapping } from './csv-mappings.js';
import { readEvidence, storeEvidence } from './evidence.js';
import { insertEvents } from './insert-events.js';
import {
  addTo,
  decideRows,
  emptySummary,
  writeDecided,
  type DecidedBatch,
  type EventAttributionSummary,
} from './attribute-events.js';
import { eventWriter, type EventWriter } from './event-writer.js';
import { startAttributionRun, type EventAttributionOptions } from './attribution-decisions.js';
import { abuseFormat, detectAbuseFormat, type AbuseFormatName } from './formats/registry.js';
import type { ShadowserverSchema } from './formats/shadowserver-schema.js';
import { handleBounce, isDeliveryStatusReport } from './notices/bounce.js';
import { reportBatches } from './report-batches.js';
import { readInThread, type ReaderBatch, type ReaderSetup } from './report-reader.js';

// Intake's single path: whatever brought a report (SMTP, IMAP, Maildir, upload, the command line, the
// Shadowserver API), its bytes are kept as evidence first, a report row records the hash, and only
// then is it parsed. The same bytes twice are one report. A record the parser cannot read goes to the
// dead-letter store naming the report; the rest of the report goes on.

export type ReportTransport = 'smtp' | 'imap' | 'maildir' | 'upload' | 'cli' | 'shadowserver-api';

export type ReportIntake = {
  transport: ReportTransport;
  /** Where it came from: SMTP envelope, IMAP mailbox and uid, file name, API report id. */
  origin: string;
  /** The name positions and format detection use (a file name, or `message`). */
  fileName: string;
  receivedAt?: Date | undefined;
  format?: AbuseFormatName | undefined;
  mappingName?: string | undefined;
  reportType?: string | undefined;
};

export type ReportOutcome = {
  reportId: number;
  duplicate: boolean;
  format: AbuseFormatName | null;
  state: string;
  events: number;
  rejected: number;
  suggestions: number;
  /** What attributing the events as they went in did, when the context attributes (not for a duplicate). */
  attribution?: EventAttributionSummary;
};

export type AbuseContext = {
  db: Kysely<Database>;
  dataDir: string;
  shadowserverSchema?: ShadowserverSchema | undefined;
  /**
   * When set, each batch of events is attributed before it is inserted (written once, already in its case);
   * without it events are stored `new` for attributeNewEvents.
   */
  attribution?: EventAttributionOptions | undefined;
  /**
   * With attribution, a large report (from `fromBytes`, default 16 MiB) is read and decided in a thread of
   * its own while this one writes (report-reader.ts); without it, or for a smaller one, everything runs here.
   */
  reader?: (ReaderSetup & { fromBytes?: number | undefined }) | undefined;
};

// Event rows per transaction, and per batch handed from the reading thread. A large report has batches in
// both threads at once (one written, one waiting, one being read, and on PostgreSQL one in flight,
// event-writer.ts): these sizes keep its peak memory under twice the file, where larger ones gained little
// (bench/README.md, abuse intake). Suggestions go in as one multi-row statement, kept under SQLite's 32,766
// bound variables.
const BATCH = { sqlite: 15_000, postgres: 18_000 } as const;
const SUGGESTION_ROWS = 2000;
/** From this size a report is read in a thread of its own, when the context says how (`reader`). */
const READ_IN_THREAD_BYTES = 16 * 2 ** 20;

export async function receiveReport(
  ctx: AbuseContext,
  body: AsyncIterable<Uint8Array>,
  intake: ReportIntake,
  progress?: Progress,
): Promise<ReportOutcome> {
  // A mapping that does not exist is the operator's mistake to fix before anything is stored.
  if (intake.format === 'csv') await loadCsvMapping(ctx.db, intake.mappingName ?? '');
  const evidence = await storeEvidence(ctx.dataDir, body);
  const existing = await ctx.db
    .selectFrom('abuseReports')
    .selectAll()
    .where('sha256', '=', evidence.sha256)
    .executeTakeFirst();
  if (existing) {
    // A report nobody could read, imported again with its format said: read it now.
    if (existing.state === 'unreadable' && intake.format) {
      await ctx.db
        .updateTable('abuseReports')
        .set({
          format: intake.format,
          mappingName: intake.mappingName ?? null,
          reportType: intake.reportType ?? existing.reportType,
        })
        .where('id', '=', existing.id)
        .execute();
      progress?.setTotal(evidence.sizeBytes);
      return parseReport(ctx, Number(existing.id), progress);
    }
    return outcomeOf(existing, true);
  }
  // A bounce of a notice to a subscriber (notices/bounce.ts), not an abuse report.
  if (!intake.format && isDeliveryStatusReport(evidence.head)) return handleBounce(ctx, evidence, intake);
  const format = intake.format ?? detectAbuseFormat(evidence.head, intake.fileName);
  const mail = format && format !== 'shadowserver' && format !== 'csv' ? mailHeaders(evidence.head) : {};
  if (mail.messageId) {
    const same = await ctx.db
      .selectFrom('abuseReports')
      .selectAll()
      .where('messageId', '=', mail.messageId)
      .executeTakeFirst();
    if (same) return outcomeOf(same, true);
  }
  const inserted = await ctx.db
    .insertInto('abuseReports')
    .values({
      sha256: evidence.sha256,
      sizeBytes: evidence.sizeBytes,
      transport: intake.transport,
      origin: intake.origin,
      receivedAt: (intake.receivedAt ?? new Date()).toISOString(),
      format: format ?? null,
      reportType: intake.reportType ?? null,
      mappingName: intake.mappingName ?? null,
      subject: mail.subject ?? null,
      sender: mail.from ?? null,
      messageId: mail.messageId ?? null,
      state: 'received',
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    // Another intake stored the same bytes (or the same mail) a moment ago.
    const row = await ctx.db
      .selectFrom('abuseReports')
      .selectAll()
      .where((eb) =>
        eb.or([eb('sha256', '=', evidence.sha256), ...(mail.messageId ? [eb('messageId', '=', mail.messageId)] : [])]),
      )
      .executeTakeFirstOrThrow();
    return outcomeOf(row, true);
  }
  const reportId = Number(inserted.id);
  if (!format) {
    const error =
      'the format of this report could not be recognised: import it again with --format (arf, xarf, shadowserver, acns, csv with --mapping, mail)';
    await ctx.db
      .updateTable('abuseReports')
      .set({ state: 'unreadable', error, parsedAt: nowIso() })
      .where('id', '=', reportId)
      .execute();
    return { reportId, duplicate: false, format: null, state: 'unreadable', events: 0, rejected: 0, suggestions: 0 };
  }
  progress?.setTotal(evidence.sizeBytes);
  return parseReport(ctx, reportId, progress);
}

/** Parses a stored report (again, after a parser fix): its events are replaced, not added. */
export async function parseReport(ctx: AbuseContext, reportId: number, progress?: Progress): Promise<ReportOutcome> {
  const report = await ctx.db.selectFrom('abuseReports').selectAll().where('id', '=', reportId).executeTakeFirst();
  if (!report) throw new UserFacingError(404, 'abuse.report_not_found', { id: reportId });
  const format = report.format as AbuseFormatName;
  const formatOptions = {
    mapping: format === 'csv' ? await loadCsvMapping(ctx.db, report.mappingName ?? '') : undefined,
    reportType: report.reportType ?? undefined,
    shadowserverSchema: ctx.shadowserverSchema,
  };
  const parser = abuseFormat(format, formatOptions);
  const fileName = report.origin.split('/').pop() ?? report.origin;
  const counts = { events: 0, rejected: 0, suggestions: 0 };
  const attribution = ctx.attribution ? { run: startAttributionRun(ctx.attribution), summary: emptySummary() } : null;
  const now = nowIso();
  await ctx.db.deleteFrom('abuseEvents').where('reportId', '=', reportId).where('caseId', 'is', null).execute();
  await ctx.db.deleteFrom('triageSuggestions').where('reportId', '=', reportId).execute();
  // A report of more than one batch is written in step with its parse (event-writer.ts); a small one here.
  let writer: EventWriter | undefined;
  const batchRows = sqliteHandle(ctx.db) ? BATCH.sqlite : BATCH.postgres;

  /** A batch stored: its rows (decided when attributing), its dead letters, its suggestions. */
  const take = async ({ decided, rejected, suggestions, bytes }: ReaderBatch) => {
    if (decided && ctx.attribution && attribution) {
      counts.events += decided.rows.length;
      if (!writer && decided.rows.length >= batchRows) writer = eventWriter(ctx.db, ctx.attribution);
      if (writer) await writer.write(decided);
      else addTo(attribution.summary, await writeDecided(ctx.db, decided, ctx.attribution));
    }
    for (const record of rejected) {
      counts.rejected++;
      await putDeadLetter(ctx.db, {
        source: `abuse-report:${reportId}`,
        format: `abuse:${format}`,
        reason: record.reason,
        position: record.position,
        raw: record.raw,
      });
    }
    for (let i = 0; i < suggestions.length; i += SUGGESTION_ROWS) {
      counts.suggestions += Math.min(SUGGESTION_ROWS, suggestions.length - i);
      await ctx.db
        .insertInto('triageSuggestions')
        .values(
          suggestions.slice(i, i + SUGGESTION_ROWS).map((s) => ({
            reportId,
            kind: s.kind,
            value: s.value,
            context: s.context,
            evidence: s.evidence,
          })),
        )
        .execute();
    }
    progress?.advance(bytes);
  };

  /** Here, on this thread: a report too small for a thread of its own, or one stored without attribution. */
  const readHere = async () => {
    const file = readEvidence(ctx.dataDir, report.sha256);
    const place = { id: reportId, fileName, now, batchRows };
    for await (const { events, ...rest } of reportBatches(parser, file, place, progress?.signal)) {
      let decided: DecidedBatch | null = null;
      if (attribution) decided = events.length > 0 ? await decideRows(ctx.db, attribution.run, events) : null;
      else if (events.length > 0) {
        counts.events += events.length;
        await insertEvents(ctx.db, events);
      }
      await take({ decided, ...rest });
    }
  };

  const { reader } = ctx;
  try {
    if (
      reader &&
      ctx.attribution &&
      (format === 'shadowserver' || format === 'csv') &&
      report.sizeBytes >= (reader.fromBytes ?? READ_IN_THREAD_BYTES)
    ) {
      const { deterministicNat: _functions, windowDays: _window, audit: _audit, ...decide } = ctx.attribution;
      const job = { setup: reader, dataDir: ctx.dataDir, sha256: report.sha256, reportId, format, formatOptions };
      // The lease look-ups that a large cache helps run in the reading thread, on its own connection.
      await withBulkWriteCache(ctx.db, () =>
        readInThread({ ...job, fileName, now, decide, batchRows }, take, progress?.signal),
      );
    } else await readHere();
    if (writer && attribution) addTo(attribution.summary, await writer.close());
  } catch (err) {
    await writer?.abandon();
    // Parsers reject bad records rather than throw: this is the file itself (gone, unreadable, cancelled), or
    // the store refusing a batch.
    const error = err instanceof Error ? err.message : String(err);
    await ctx.db
      .updateTable('abuseReports')
      .set({ state: 'unreadable', ...counts, parsedAt: nowIso(), error })
      .where('id', '=', reportId)
      .execute();
    throw err;
  }
  const state =
    format === 'mail'
      ? 'triage'
      : counts.events === 0 && counts.rejected > 0
        ? 'unreadable'
        : counts.rejected > 0
          ? 'partial'
          : 'parsed';
  await ctx.db
    .updateTable('abuseReports')
    .set({ state, ...counts, parsedAt: nowIso(), error: null })
    .where('id', '=', reportId)
    .execute();
  return {
    reportId,
    duplicate: false,
    format,
    state,
    ...counts,
    ...(attribution && { attribution: attribution.summary }),
  };
}

function outcomeOf(
  row: { id: number; format: string | null; state: string; events: number; rejected: number; suggestions: number },
  duplicate: boolean,
): ReportOutcome {
  return {
    reportId: Number(row.id),
    duplicate,
    format: row.format as AbuseFormatName | null,
    state: row.state,
    events: row.events,
    rejected: row.rejected,
    suggestions: row.suggestions,
  };
}

/** Subject, From and Message-ID of a mail, unfolded, from its first bytes: for lists and duplicates. */
function mailHeaders(head: Uint8Array): { subject?: string; from?: string; messageId?: string } {
  const text = Buffer.from(head).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const headers = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(headers)?.[1]?.trim();
  const subject = field('Subject');
  const from = field('From');
  const messageId = field('Message-ID');
  return {
    ...(subject !== undefined && { subject: decodeWords(subject) }),
    ...(from !== undefined && { from }),
    ...(messageId && { messageId }),
  };
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`), as Japanese subjects arrive. */
function decodeWords(text: string): string {
  return text.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g,
    (_all, charset: string, encoding: string, data: string) => {
      try {
        const bytes =
          encoding.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data
                  .replace(/_/g, ' ')
                  .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
                'latin1',
              );
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return data;
      }
    },
  );
}

import { noticeClassSettings, type AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import { actorLabel, type AuditContext } from '../../domain/actor.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { recordAudit } from '../../audit/append.js';
import { findDueCases } from './due-cases.js';
import { buildDigests } from './digests.js';
import { loadTemplates } from './notice-templates.js';
import { claimNotice, markSent, type CaseMoveProblem } from './notice-records.js';
import { zonedIso } from './time-format.js';

// The due cases of subscribers with no e-mail address, as a CSV for the people who phone or write to
// them: one row per subscriber with their contact details and their cases. Each row is recorded as a
// notice (channel export, status exported, the letter's text as its body) and its cases move on as if
// mailed, so the next export does not list them again and reminders follow as for everyone else.

export const EXPORT_COLUMNS = [
  'subscriber_id',
  'name',
  'name_kana',
  'phone',
  'postal_address',
  'language',
  'notice_id',
  'kind',
  'case_ids',
  'classes',
  'events',
  'first_event',
  'last_event',
] as const;

export type NoticeExport = {
  /** UTF-8 with a byte-order mark and CRLF, as Excel opens Japanese text correctly. */
  csv: string;
  rows: number;
  cases: number;
  problems: CaseMoveProblem[];
};

export async function exportNoticesCsv(
  db: Kysely<Database>,
  config: AbuseNoticesConfig,
  audit: AuditContext,
  now: Date = new Date(),
): Promise<NoticeExport> {
  const due = await findDueCases(db, (type) => noticeClassSettings(config, type), now);
  const templates = await loadTemplates(db);
  const digests = (
    await buildDigests(db, config, templates, due, { ...audit, reason: 'export for phone or postal follow-up' })
  ).filter((d) => d.recipient === null);
  const lines: string[][] = [[...EXPORT_COLUMNS]];
  const problems: CaseMoveProblem[] = [];
  let cases = 0;
  for (const d of digests) {
    const kind = d.cases.some((c) => c.kind === 'notice') ? 'notice' : 'reminder';
    const noticeId = await claimNotice(db, {
      subscriberId: d.subscriber.id,
      locale: d.locale,
      kind,
      channel: 'export',
      recipient: null,
      subject: d.subject,
      body: d.body,
      messageId: null,
      status: 'exported',
      createdBy: actorLabel(audit.actor),
      cases: d.cases.map((c) => ({ caseId: c.caseId, kind: c.kind, round: c.round })),
    });
    if (noticeId === undefined) continue;
    problems.push(...(await markSent(db, audit, noticeId, 'exported for phone or postal follow-up', 'exported')));
    cases += d.cases.length;
    const first = d.cases.map((c) => c.firstEventAt).sort()[0]!;
    const last = d.cases
      .map((c) => c.lastEventAt)
      .sort()
      .at(-1)!;
    lines.push([
      d.subscriber.id,
      d.subscriber.name,
      d.subscriber.nameKana ?? '',
      d.subscriber.phone ?? '',
      d.subscriber.address ?? '',
      d.locale,
      String(noticeId),
      kind,
      d.cases.map((c) => c.caseId).join(';'),
      [...new Set(d.cases.map((c) => c.type))].join(';'),
      String(d.cases.reduce((n, c) => n + c.eventCount, 0)),
      zonedIso(first, config.timezone),
      zonedIso(last, config.timezone),
    ]);
  }
  await recordAudit(db, audit, {
    action: 'abuse.notices.export',
    target: `notices:${digests.length}`,
    detail: { rows: lines.length - 1, cases },
  });
  return {
    csv: `\uFEFF${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`,
    rows: lines.length - 1,
    cases,
    problems,
  };
}

function csvCell(value: string): string {
  // A cell a spreadsheet would run as a formula is written as text.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}

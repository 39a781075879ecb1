import type { NoticeKind } from './notice-view.js';

// Which cases a notifier run tells their subscribers about. A new case is due once the subscriber has
// had no notice about its class for the class's interval (so a day's reports become one digest, not one
// mail each); a notified or reminded case is due for a reminder when the problem was still seen after
// its last notice and that notice is older than the class's remind_after_days. A case a notice is still
// trying to reach (pending, failed and retried) is not picked again. Pure, so the rules are tested alone.

export type CaseForDue = {
  id: number;
  subscriberId: string;
  type: string;
  state: string;
  lastEventAt: string;
};

/** A notice that covered a case: its status and when it went out (or was made, if it never did). */
export type CoveringNotice = { noticeId: number; status: string; at: string };

export type DueInput = {
  cases: CaseForDue[];
  /** Per case, the notices that covered it. */
  covering: Map<number, CoveringNotice[]>;
  /** Per `subscriber\0type`, the latest notice about that class to that subscriber, whatever its case. */
  lastAboutClass: Map<string, string>;
  /** Per case moved to notified or reminded by hand (no notice row), when that happened. */
  movedByHand: Map<number, string>;
};

export type ClassTiming = (type: string) => { intervalHours: number; remindAfterDays: number };

export type DueCase = {
  caseId: number;
  subscriberId: string;
  type: string;
  kind: NoticeKind;
  /** The last time the subscriber was told about this case (reminders). */
  previousNoticeAt: string | null;
  /**
   * The case's notice count when it was found due, plus one: the notice claims this round, so a run that
   * decided on an older picture (another run told the subscriber meanwhile) cannot claim it again.
   */
  round: number;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const IN_FLIGHT = new Set(['pending', 'failed']);
/** Statuses of a notice that reached the subscriber, or was handed on to reach them. */
const TOLD = new Set(['sent', 'bounced', 'exported']);

export function classKey(subscriberId: string, type: string): string {
  return `${subscriberId}\0${type}`;
}

export function pickDueCases(input: DueInput, timing: ClassTiming, nowMs: number): DueCase[] {
  const due: DueCase[] = [];
  for (const c of input.cases) {
    const covering = input.covering.get(c.id) ?? [];
    if (covering.some((n) => IN_FLIGHT.has(n.status))) continue;
    const { intervalHours, remindAfterDays } = timing(c.type);
    if (c.state === 'new') {
      const last = input.lastAboutClass.get(classKey(c.subscriberId, c.type));
      if (last !== undefined && nowMs - Date.parse(last) < intervalHours * HOUR) continue;
      due.push({
        caseId: c.id,
        subscriberId: c.subscriberId,
        type: c.type,
        kind: 'notice',
        previousNoticeAt: null,
        round: covering.length + 1,
      });
      continue;
    }
    if (c.state !== 'notified' && c.state !== 'reminded') continue;
    const told = covering.filter((n) => TOLD.has(n.status)).map((n) => n.at);
    const byHand = input.movedByHand.get(c.id);
    const last = [...told, ...(byHand ? [byHand] : [])].sort().at(-1);
    if (last === undefined) continue;
    const stillSeen = Date.parse(c.lastEventAt) > Date.parse(last);
    if (stillSeen && nowMs - Date.parse(last) >= remindAfterDays * DAY)
      due.push({
        caseId: c.id,
        subscriberId: c.subscriberId,
        type: c.type,
        kind: 'reminder',
        previousNoticeAt: last,
        round: covering.length + 1,
      });
  }
  return due;
}

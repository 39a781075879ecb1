import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import { OPEN_CASE_STATES } from '../domain/abuse-case.js';
import { actorLabel, type AuditContext } from '../domain/actor.js';
import { nowIso } from '../domain/time.js';
import { UserFacingError } from '../domain/user-facing-error.js';
import type { Database } from '../store/schema.js';
import { subscriberExists } from '../store/subscribers.js';
import { addCaseAddresses } from './case-addresses.js';

// Giving an unassigned event to a subscriber by hand: the desk knows who it was (a business line with a
// fixed address the lease data lacks, a subscriber who called in) when attribution could not tell. The
// event joins that subscriber's case the way attribution would have put it there — their open case of the
// class whose last event is within the class's aggregation window — or opens one. The person and their
// reason are in the case's history (or a note) and the audit trail.

const DAY_MS = 86_400_000;

export type AssignOutcome = { eventId: number; subscriberId: string; caseId: number; caseOpened: boolean };

export async function assignEvent(
  db: Kysely<Database>,
  audit: AuditContext,
  eventId: number,
  subscriberId: string,
  reason: string,
  windowDays: (type: string) => number,
): Promise<AssignOutcome> {
  if (reason.trim().length < 3) throw new UserFacingError(400, 'abuse.case_reason_required', {});
  return db.transaction().execute(async (trx) => {
    const event = await trx.selectFrom('abuseEvents').selectAll().where('id', '=', eventId).executeTakeFirst();
    if (!event) throw new UserFacingError(404, 'abuse.event_not_found', { id: eventId });
    if (event.state !== 'unassigned')
      throw new UserFacingError(409, 'abuse.event_not_unassigned', { id: eventId, state: event.state });
    if (!(await subscriberExists(trx, subscriberId)))
      throw new UserFacingError(404, 'subscriber.not_found', { id: subscriberId });

    const at = nowIso();
    const actor = actorLabel(audit.actor);
    const open = await trx
      .selectFrom('abuseCases')
      .selectAll()
      .where('subscriberId', '=', subscriberId)
      .where('type', '=', event.type)
      .where('state', 'in', OPEN_CASE_STATES)
      .orderBy('lastEventAt', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const joins =
      open !== undefined &&
      Date.parse(event.occurredAt) - Date.parse(open.lastEventAt) <= windowDays(event.type) * DAY_MS;
    let caseId: number;
    if (joins) {
      caseId = Number(open.id);
      await trx
        .updateTable('abuseCases')
        .set({
          eventCount: Number(open.eventCount) + 1,
          firstEventAt: event.occurredAt < open.firstEventAt ? event.occurredAt : open.firstEventAt,
          lastEventAt: event.occurredAt > open.lastEventAt ? event.occurredAt : open.lastEventAt,
          updatedAt: at,
        })
        .where('id', '=', caseId)
        .execute();
      await trx
        .insertInto('abuseCaseNotes')
        .values({ caseId, at, author: actor, text: `Event ${eventId} given to this case by hand: ${reason}` })
        .execute();
    } else {
      const inserted = await trx
        .insertInto('abuseCases')
        .values({
          subscriberId,
          type: event.type,
          state: 'new',
          openedAt: at,
          updatedAt: at,
          firstEventAt: event.occurredAt,
          lastEventAt: event.occurredAt,
          eventCount: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      caseId = Number(inserted.id);
      await trx
        .insertInto('abuseCaseHistory')
        .values({ caseId, at, actor, fromState: null, toState: 'new', reason: `event ${eventId} by hand: ${reason}` })
        .execute();
    }
    await trx
      .updateTable('abuseEvents')
      .set({ state: 'attributed', subscriberId, caseId, unassignedReason: null })
      .where('id', '=', eventId)
      .execute();
    await addCaseAddresses(trx, [{ caseId, address: event.sourceAddress }]);
    await appendAudit(trx, audit, {
      action: 'abuse.event.assign',
      target: `abuse-event:${eventId}`,
      detail: { subscriber: subscriberId, case: caseId, opened: !joins, from: event.unassignedReason ?? '', reason },
    });
    return { eventId, subscriberId, caseId, caseOpened: !joins };
  });
}

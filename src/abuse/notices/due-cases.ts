import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { classKey, pickDueCases, type ClassTiming, type CoveringNotice, type DueCase, type DueInput } from './due.js';

// Reads what pickDueCases decides on: the open cases a notice can be about, the notices that covered them,
// the last notice about each class to each of their subscribers, and moves made by hand.

const CHUNK = 500;

export async function findDueCases(db: Kysely<Database>, timing: ClassTiming, now: Date): Promise<DueCase[]> {
  return pickDueCases(await loadDueInput(db), timing, now.getTime());
}

export async function loadDueInput(db: Kysely<Database>): Promise<DueInput> {
  const cases = (
    await db
      .selectFrom('abuseCases')
      .select(['id', 'subscriberId', 'type', 'state', 'lastEventAt'])
      .where('state', 'in', ['new', 'notified', 'reminded'])
      .orderBy('id')
      .execute()
  ).map((c) => ({ ...c, id: Number(c.id) }));
  const covering = new Map<number, CoveringNotice[]>();
  const lastAboutClass = new Map<string, string>();
  const movedByHand = new Map<number, string>();
  const noticeAt = sql<string>`coalesce(${sql.ref('notices.sentAt')}, ${sql.ref('notices.createdAt')})`;

  for (const ids of chunks(cases.map((c) => c.id))) {
    const rows = await db
      .selectFrom('noticeCases')
      .innerJoin('notices', 'notices.id', 'noticeCases.noticeId')
      .select(['noticeCases.caseId', 'notices.id', 'notices.status', noticeAt.as('at')])
      .where('noticeCases.caseId', 'in', ids)
      .execute();
    for (const r of rows) {
      const list = covering.get(Number(r.caseId)) ?? [];
      list.push({ noticeId: Number(r.id), status: r.status, at: r.at });
      covering.set(Number(r.caseId), list);
    }
    const told = cases.filter((c) => ids.includes(c.id) && c.state !== 'new' && !covering.has(c.id));
    if (told.length > 0) {
      const moves = await db
        .selectFrom('abuseCaseHistory')
        .select(['caseId', (eb) => eb.fn.max('at').as('at')])
        .where(
          'caseId',
          'in',
          told.map((c) => c.id),
        )
        .where('toState', 'in', ['notified', 'reminded'])
        .groupBy('caseId')
        .execute();
      for (const m of moves) movedByHand.set(Number(m.caseId), m.at);
    }
  }

  const subscribers = [...new Set(cases.filter((c) => c.state === 'new').map((c) => c.subscriberId))];
  for (const ids of chunks(subscribers)) {
    const rows = await db
      .selectFrom('notices')
      .innerJoin('noticeCases', 'noticeCases.noticeId', 'notices.id')
      .innerJoin('abuseCases', 'abuseCases.id', 'noticeCases.caseId')
      .select(['abuseCases.subscriberId', 'abuseCases.type', (eb) => eb.fn.max(noticeAt).as('at')])
      .where('abuseCases.subscriberId', 'in', ids)
      .groupBy(['abuseCases.subscriberId', 'abuseCases.type'])
      .execute();
    for (const r of rows) if (r.at) lastAboutClass.set(classKey(r.subscriberId, r.type), r.at);
  }
  return { cases, covering, lastAboutClass, movedByHand };
}

function chunks<T>(values: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { entryHash, GENESIS_HASH } from './hash.js';

export type ChainBreak = { id: number; problem: string };
export type VerifyResult = { ok: boolean; checked: number; firstBroken: ChainBreak | null };

const PAGE = 5000;

/**
 * Walks the chain from the first entry and reports the first link that does not hold: an entry whose
 * content no longer matches its hash (edited), whose predecessor's hash differs (edited or removed
 * before it), a gap in ids (removed), or a head that points past the last entry (removed at the end).
 */
export async function verifyAuditChain(
  db: Kysely<Database>,
  onProgress?: (checked: number, total: number) => void,
): Promise<VerifyResult> {
  const head = await db.selectFrom('auditHead').select(['seq', 'lastHash']).where('id', '=', 1).executeTakeFirst();
  if (!head) return { ok: false, checked: 0, firstBroken: { id: 0, problem: 'the audit head row is missing' } };
  const total = Number(head.seq);

  let expectedId = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('auditEntries')
      .selectAll()
      .where('id', '>=', expectedId)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const id = Number(row.id);
      const broken = checkLink({ ...row, id }, expectedId, prevHash);
      if (broken) return { ok: false, checked, firstBroken: broken };
      prevHash = row.hash;
      expectedId = id + 1;
      checked++;
    }
    onProgress?.(checked, total);
    if (rows.length < PAGE) break;
  }

  if (checked !== total) {
    return {
      ok: false,
      checked,
      firstBroken: {
        id: expectedId,
        problem: `entries ${expectedId}–${total} are missing: the chain head records ${total} entries but only ${checked} exist (removed at the end?)`,
      },
    };
  }
  if (total > 0 && prevHash !== head.lastHash) {
    return {
      ok: false,
      checked,
      firstBroken: { id: total, problem: `the last entry's hash does not match the one recorded in the chain head` },
    };
  }
  return { ok: true, checked, firstBroken: null };
}

function checkLink(
  row: Parameters<typeof entryHash>[0] & { hash: string },
  expectedId: number,
  prevHash: string,
): ChainBreak | null {
  if (row.id !== expectedId) {
    const last = row.id - 1;
    return {
      id: expectedId,
      problem:
        expectedId === last
          ? `entry ${expectedId} is missing (removed?)`
          : `entries ${expectedId}–${last} are missing (removed?)`,
    };
  }
  if (row.prevHash !== prevHash) {
    return {
      id: row.id,
      problem: `entry ${row.id} does not link to entry ${row.id - 1}: its prev_hash differs from that entry's hash (one of the two was edited)`,
    };
  }
  if (entryHash(row) !== row.hash) {
    return { id: row.id, problem: `entry ${row.id} was edited: its content no longer matches its hash` };
  }
  return null;
}

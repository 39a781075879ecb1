import type { Kysely } from 'kysely';
import type { AbuseReportRow, Database } from '../store/schema.js';

/** The reports received, newest first. */
export async function listReports(
  db: Kysely<Database>,
  page: { limit: number; offset: number },
): Promise<AbuseReportRow[]> {
  return db
    .selectFrom('abuseReports')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

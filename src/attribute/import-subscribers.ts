import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { AuditContext } from '../domain/actor.js';
import type { Progress } from '../jobs/run.js';
import { putDeadLetter } from '../store/dead-letters.js';
import type { Database } from '../store/schema.js';
import { importSubscribers, type SubscriberInput } from '../store/subscribers.js';
import { parseSubscriberCsv } from './directory/subscriber-csv.js';
import type { SubscriberRecord } from './directory/subscriber-record.js';

export type SubscriberImportResult = { file: string; imported: number; rejected: number; seconds: number };

const BATCH = 500;

/**
 * Imports a subscriber CSV (the billing system's export): records in batches of one transaction and
 * one audit entry each; a row that cannot be read goes to dead letters with its row number, and the
 * rest goes on.
 */
export async function importSubscriberFile(
  db: Kysely<Database>,
  ctx: AuditContext,
  file: string,
  progress?: Progress,
): Promise<SubscriberImportResult> {
  const started = Date.now();
  progress?.setTotal((await stat(file)).size);
  const stream = createReadStream(file);
  let bytes = 0;
  const counted = (async function* () {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      progress?.set(bytes);
      yield chunk;
    }
  })();
  let batch: SubscriberInput[] = [];
  let imported = 0;
  let rejected = 0;
  for await (const item of parseSubscriberCsv(counted)) {
    if (progress?.signal.aborted) break;
    if ('rejected' in item) {
      rejected++;
      await putDeadLetter(db, {
        source: 'subscribers',
        format: 'subscriber-csv',
        reason: item.reason,
        position: `${file} row ${item.row}`,
        raw: Buffer.from(item.raw),
      });
      continue;
    }
    batch.push(subscriberInput(item.record, 'csv'));
    if (batch.length >= BATCH) {
      await importSubscribers(db, ctx, batch, file);
      imported += batch.length;
      batch = [];
    }
  }
  await importSubscribers(db, ctx, batch, file);
  imported += batch.length;
  return { file, imported, rejected, seconds: (Date.now() - started) / 1000 };
}

export function subscriberInput(r: SubscriberRecord, source: string): SubscriberInput {
  return {
    id: r.id,
    name: r.name,
    nameKana: r.nameKana ?? null,
    email: r.email ?? null,
    phone: r.phone ?? null,
    address: r.postalAddress ?? null,
    contract: r.contract ?? null,
    plan: r.plan ?? null,
    status: r.status ?? null,
    locale: r.locale ?? null,
    source,
    keys: r.keys,
  };
}

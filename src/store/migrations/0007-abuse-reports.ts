import { sql } from 'kysely';
import type { Migration } from './dialect.js';

// The abuse desk's intake: every report received (the raw bytes are kept as evidence in a
// content-addressed file; the row holds its SHA-256, which also makes intake idempotent), the events
// parsed out of it, the suggestions a free-text mail yields for a person to triage, saved CSV column
// mappings, and which Shadowserver API reports were fetched.
export const abuseReports: Migration = {
  name: '0007-abuse-reports',
  async up({ db, withId }) {
    await withId(db.schema.createTable('abuse_reports'))
      .addColumn('sha256', 'text', (c) => c.notNull().unique())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      // smtp, imap, maildir, upload, cli, shadowserver-api
      .addColumn('transport', 'text', (c) => c.notNull())
      // SMTP envelope, IMAP mailbox and uid, Maildir file, uploaded file name, API report id
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('format', 'text')
      .addColumn('report_type', 'text')
      // csv: the saved column mapping it was read with
      .addColumn('mapping_name', 'text')
      .addColumn('subject', 'text')
      .addColumn('sender', 'text')
      // A mail's Message-ID: the same mail delivered twice (through different relays, with different
      // Received headers, so different bytes) is still one report.
      .addColumn('message_id', 'text')
      // received → parsed | partial (some records rejected) | unreadable | triage (free text: a person decides)
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('events', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('suggestions', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('parsed_at', 'text')
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('abuse_reports_by_received').on('abuse_reports').column('received_at').execute();
    await db.schema
      .createIndex('abuse_reports_by_message_id')
      .on('abuse_reports')
      .column('message_id')
      .unique()
      .where(sql.ref('message_id'), 'is not', null)
      .execute();

    await withId(db.schema.createTable('abuse_events'))
      .addColumn('report_id', 'bigint', (c) => c.notNull())
      // The event's place in its report: with report_id, what makes a re-parse replace instead of add.
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('identifier', 'text')
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('source_address', 'text')
      .addColumn('source_port', 'integer')
      .addColumn('source_hostname', 'text')
      .addColumn('source_url', 'text')
      // JSON: the other party (destination address, port, hostname, url, asn)
      .addColumn('destination', 'text')
      .addColumn('protocol', 'text')
      .addColumn('reporter', 'text', (c) => c.notNull())
      .addColumn('report_type', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('needs_review', 'integer', (c) => c.notNull().defaultTo(0))
      // new → attributed (subscriber found) | unassigned (with the reason)
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('unassigned_reason', 'text')
      .addColumn('subscriber_key', 'text')
      .addColumn('subscriber_id', 'text')
      .addColumn('case_id', 'bigint')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('abuse_events_place', ['report_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('abuse_events_by_source')
      .on('abuse_events')
      .columns(['source_address', 'occurred_at'])
      .execute();
    await db.schema.createIndex('abuse_events_by_state').on('abuse_events').columns(['state', 'id']).execute();
    await db.schema.createIndex('abuse_events_by_case').on('abuse_events').column('case_id').execute();

    await withId(db.schema.createTable('triage_suggestions'))
      .addColumn('report_id', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('context', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('triage_suggestions_by_report').on('triage_suggestions').column('report_id').execute();

    await db.schema
      .createTable('csv_mappings')
      .addColumn('name', 'text', (c) => c.primaryKey())
      // The mapping as written (JSON), validated by csvMappingSchema on save and on use.
      .addColumn('mapping', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('shadowserver_fetched')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('report_type', 'text', (c) => c.notNull())
      .addColumn('report_date', 'text', (c) => c.notNull())
      .addColumn('report_id', 'bigint')
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
  },
};

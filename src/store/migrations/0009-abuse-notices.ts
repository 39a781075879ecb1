import type { Migration } from './dialect.js';

// Notices to subscribers: one row per message (a digest covering one or more cases, or a batch line of the
// CSV export for phone and postal follow-up), with what was sent, to whom, its Message-ID and how it ended
// (sent, failed and retried, bounced); which cases each covered; and the templates an admin has rewritten.
// Subscribers get the language their notices are written in.
export const abuseNotices: Migration = {
  name: '0009-abuse-notices',
  async up({ db, withId }) {
    // ja or en; null: abuse.notices.default_locale.
    await db.schema.alterTable('subscribers').addColumn('locale', 'text').execute();

    await withId(db.schema.createTable('notices'))
      .addColumn('subscriber_id', 'text', (c) => c.notNull())
      .addColumn('locale', 'text', (c) => c.notNull())
      // notice (at least one case told for the first time) | reminder (every case told before)
      .addColumn('kind', 'text', (c) => c.notNull())
      // email | export (handed to people for a phone call or a letter)
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text')
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.unique())
      // pending → sent | failed (retried by the next run) → bounced; exported
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .addColumn('bounced_at', 'text')
      // The enhanced status code (RFC 3463) and the remote server's words, from the DSN.
      .addColumn('bounce_status', 'text')
      .addColumn('bounce_diagnostic', 'text')
      .execute();
    await db.schema.createIndex('notices_by_status').on('notices').columns(['status', 'created_at']).execute();
    await db.schema
      .createIndex('notices_by_subscriber')
      .on('notices')
      .columns(['subscriber_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('notice_cases')
      .addColumn('notice_id', 'bigint', (c) => c.notNull())
      .addColumn('case_id', 'bigint', (c) => c.notNull())
      // What the notice was for this case: notice | reminder.
      .addColumn('kind', 'text', (c) => c.notNull())
      // The case's nth notice. Unique per case: two notifier runs at once cannot both claim a case.
      .addColumn('round', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('notice_cases_pk', ['notice_id', 'case_id'])
      .addUniqueConstraint('notice_cases_case_round', ['case_id', 'round'])
      .execute();

    await db.schema
      .createTable('notice_templates')
      // A class (RSIT type), `generic` or `digest`.
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notice_templates_pk', ['name', 'locale'])
      .execute();
  },
};

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailDateToIso } from './mail-date.js';

test('mailDateToIso: RFC 5322 dates with obsolete forms and ISO 8601 with a zone; nothing guessed', () => {
  assert.equal(mailDateToIso('Tue, 24 Nov 2026 10:05:02 +0900'), '2026-11-24T01:05:02.000Z');
  assert.equal(mailDateToIso('Thu, 8 Mar 2005 14:00:00 EDT'), '2005-03-08T18:00:00.000Z');
  assert.equal(mailDateToIso('Mon,  1 Jul 2013 14:37:29 -0400 (EDT)'), '2013-07-01T18:37:29.000Z');
  assert.equal(mailDateToIso('24 Nov 26 01:05 GMT'), '2026-11-24T01:05:00.000Z', 'two-digit year, no seconds');
  assert.equal(mailDateToIso('Tue, 24 Nov 2026 01:05:09 (UTC)'), '2026-11-24T01:05:09.000Z', 'zone only as a comment');
  assert.equal(mailDateToIso('2026-11-24T10:05:00+09:00'), '2026-11-24T01:05:00.000Z');
  assert.equal(mailDateToIso('Tue, 24 Nov 2026 01:05:09'), undefined, 'no zone');
  assert.equal(mailDateToIso('Tue, 24 Nov 2026 01:05:09', 540), '2026-11-23T16:05:09.000Z', 'no zone, one given');
  assert.equal(mailDateToIso('Tue, 24 Nov 2026 01:05:09 XYZ'), undefined, 'unknown zone name');
  assert.equal(mailDateToIso('Mon, 31 Nov 2026 22:31:56 +0000'), undefined, 'no 31 November');
  assert.equal(mailDateToIso('Tue, 24 Nov 2026 24:05:09 +0000'), undefined);
});

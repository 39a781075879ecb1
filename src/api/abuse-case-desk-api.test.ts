import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { storeKinds } from '../../test/support/stores.js';
import { addCase, addSubscriber, DAY, iso } from '../abuse/notices/notices.test-support.js';
import { eventRow } from '../abuse/event-row.js';
import { configSchema } from '../config/index.js';
import { writeObservationFlush, type SightingDelta } from '../store/sightings.js';

// What the console's case screens ask of the API beyond the desk's basics: the queue's severity, free
// text, sorting and count; moving several cases at once with each refusal reported; a case's sightings;
// notifying a case's subscriber now through the relay; giving an unassigned event to a subscriber by hand;
// and an approver's reason kept on the case.

const T = Date.now() - 10 * DAY;

const sighting = (over: Partial<SightingDelta> & Pick<SightingDelta, 'windowStart'>): SightingDelta => ({
  indicatorType: 'domain',
  indicatorValue: 'c2.example',
  point: 'dns',
  client: '203.0.113.5',
  firstSeen: over.windowStart,
  lastSeen: over.windowStart,
  count: 1,
  blockedCount: 1,
  categories: ['c2'],
  sources: ['feed-a'],
  input: 'resolver1',
  detail: null,
  subscriber: 'C-1',
  ...over,
});

for (const kind of await storeKinds()) {
  describe(`abuse case desk API on ${kind.name}`, { skip: kind.skip }, () => {
    let t: TestApp;
    let smtp: SMTPServer;
    const mails: string[] = [];
    const ids = { infected: 0, c2: 0, vulnerable: 0, quiet: 0 };

    before(async () => {
      smtp = new SMTPServer({
        disabledCommands: ['STARTTLS', 'AUTH'],
        onData(stream, _session, done) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => (mails.push(Buffer.concat(chunks).toString('utf8')), done()));
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      const port = (smtp.server.address() as AddressInfo).port;
      const abuse = configSchema.parse({
        abuse: {
          notices: { smtp: { host: '127.0.0.1', port, from: 'abuse@isp.example.jp' }, schedule: '' },
        },
      }).abuse;
      t = await testApp(await kind.open(), { abuse });
      const db = t.store.db;
      await addSubscriber(db, 'C-1', { email: 'c1@example.jp', locale: 'en' });
      await addSubscriber(db, 'C-2', { email: 'c2@example.jp' });
      await addSubscriber(db, 'NOMAIL-3', { email: null });
      ids.infected = await addCase(db, 'C-1', [
        { time: iso(T), identifier: 'mirai', source: { address: '203.0.113.5' } },
        { time: iso(T + DAY), identifier: 'mirai' },
      ]);
      ids.c2 = await addCase(db, 'C-2', [{ time: iso(T + 2 * DAY), type: 'c2-server' }]);
      ids.vulnerable = await addCase(db, 'C-1', [
        { time: iso(T + 3 * DAY), type: 'vulnerable-system', source: { hostname: 'nas.customer.example' } },
      ]);
      ids.quiet = await addCase(db, 'NOMAIL-3', [{ time: iso(T + 4 * DAY), type: 'scanner' }]);
      await writeObservationFlush(db, {
        sightings: [
          sighting({ windowStart: iso(T + DAY / 2) }),
          // long before the case: another matter
          sighting({ windowStart: iso(T - 90 * DAY), indicatorValue: 'old.example' }),
          sighting({ windowStart: iso(T + DAY / 2), subscriber: 'C-2', indicatorValue: 'other.example' }),
        ],
        counts: [],
        deadLetters: [],
        raw: [],
        positions: [],
      });
    });
    after(async () => {
      await t?.close();
      await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    });

    type Role = keyof TestApp['tokens'];
    const get = (role: Role, url: string) => t.app.inject({ method: 'GET', url, headers: bearer(t.tokens[role]) });
    const post = (role: Role, url: string, payload?: object, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { ...bearer(t.tokens[role]), ...headers },
        ...(payload && { payload }),
      });
    const listed = async (query: string) => {
      const res = await get('analyst', `/api/abuse/cases?${query}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { items: { id: number; severity: string }[]; total: number };
    };

    test('the queue says how severe each case is, counts what the filter finds, sorts by age and severity', async () => {
      const all = await listed('');
      assert.equal(all.total, 4);
      const severity = Object.fromEntries(all.items.map((c) => [c.id, c.severity]));
      assert.deepEqual(severity, {
        [ids.infected]: 'high',
        [ids.c2]: 'critical',
        [ids.vulnerable]: 'low',
        [ids.quiet]: 'medium',
      });
      assert.deepEqual(
        (await listed('sort=severity')).items.map((c) => c.id),
        [ids.c2, ids.infected, ids.quiet, ids.vulnerable],
      );
      const oldest = (await listed('sort=oldest')).items.map((c) => c.id);
      assert.deepEqual(
        oldest,
        [...oldest].sort((a, b) => a - b),
        'opened in id order, so oldest is lowest id',
      );
      assert.deepEqual(
        (await listed('sort=newest')).items.map((c) => c.id),
        [...oldest].reverse(),
      );
      const page = await listed('sort=severity&limit=2&offset=2');
      assert.deepEqual(
        page.items.map((c) => c.id),
        [ids.quiet, ids.vulnerable],
      );
      assert.equal(page.total, 4, 'the total is of the filter, not the page');
      assert.equal((await get('analyst', '/api/abuse/cases?sort=loudest')).statusCode, 400);
    });

    test('free text finds a case by number, subscriber, reported address, host name or identifier', async () => {
      const found = async (q: string) => (await listed(`q=${encodeURIComponent(q)}`)).items.map((c) => c.id).sort();
      assert.deepEqual(await found(String(ids.c2)), [ids.c2]);
      assert.deepEqual(await found(`#${ids.c2}`), [ids.c2]);
      assert.deepEqual(await found('nomail'), [ids.quiet]);
      assert.deepEqual(await found('203.0.113.5'), [ids.infected, ids.c2, ids.quiet].sort());
      assert.deepEqual(await found('NAS.customer'), [ids.vulnerable]);
      assert.deepEqual(await found('Mirai'), [ids.infected]);
      assert.deepEqual(await found('100%'), [], 'a LIKE wildcard is taken literally');
      const narrowed = await listed('q=203.0.113.5&subscriber=C-1');
      assert.deepEqual(
        narrowed.items.map((c) => c.id),
        [ids.infected],
      );
      assert.equal(narrowed.total, 1);
    });

    test("a case's sightings are its subscriber's, in its window", async () => {
      const res = await get('analyst', `/api/abuse/cases/${ids.infected}/sightings`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(
        body.sightings.map((s: { indicatorValue: string }) => s.indicatorValue),
        ['c2.example'],
      );
      assert.equal(body.window.to, null, 'open: up to now');
      assert.equal(body.window.from, iso(T - 30 * DAY));
      assert.equal((await get('viewer', `/api/abuse/cases/${ids.infected}/sightings`)).statusCode, 403);
      assert.equal((await get('analyst', '/api/abuse/cases/999999/sightings')).statusCode, 404);
    });

    test('notify now sends the notice through the relay, moves the case, and shows on its timeline', async () => {
      const res = await post('abuse_desk', `/api/abuse/cases/${ids.infected}/notify`, {
        reason: 'subscriber asked to be told by mail',
      });
      assert.equal(res.statusCode, 200, res.body);
      const sent = res.json();
      assert.equal(sent.status, 'sent');
      assert.equal(sent.kind, 'notice');
      assert.equal(mails.length, 1);
      assert.match(mails[0]!, /^To: c1@example\.jp/m);
      assert.match(mails[0]!, /X-Mizugiwa-Notice: \d+/);

      const shown = (await get('analyst', `/api/abuse/cases/${ids.infected}?events=false`)).json();
      assert.equal(shown.case.state, 'notified');
      assert.deepEqual(
        shown.timeline.map((e: { kind: string }) => e.kind),
        ['state', 'notice', 'state'],
        'opened, the notice, the move it caused (no events when asked without)',
      );
      const notice = shown.timeline[1];
      assert.equal(notice.noticeId, sent.noticeId);
      assert.equal(notice.status, 'sent');
      assert.equal(notice.subject, sent.subject);
      assert.match(notice.createdBy, /test-abuse_desk/);
      assert.match(shown.timeline[2].reason, /by hand: subscriber asked to be told by mail/);
      const audit = await t.store.db
        .selectFrom('auditEntries')
        .select(['detail'])
        .where('action', '=', 'abuse.notice.send_now')
        .execute();
      assert.equal(audit.length, 1);
      assert.match(audit[0]!.detail!, /subscriber asked to be told by mail/);

      const reminder = await post('admin', `/api/abuse/cases/${ids.infected}/notify`, { reason: 'still infected' });
      assert.equal(reminder.statusCode, 200, reminder.body);
      assert.equal(reminder.json().kind, 'reminder');
      assert.equal(
        (await get('analyst', `/api/abuse/cases/${ids.infected}?events=false`)).json().case.state,
        'reminded',
      );
      assert.equal(mails.length, 2);
    });

    test('notify now refuses what it cannot do, saying why', async () => {
      const noMail = await post('abuse_desk', `/api/abuse/cases/${ids.quiet}/notify`, { reason: 'try it' });
      assert.equal(noMail.statusCode, 409);
      assert.equal(noMail.json().code, 'abuse.notify_no_email');
      assert.match(noMail.json().message, /NOMAIL-3.*no e-mail address/);
      const noReason = await post('abuse_desk', `/api/abuse/cases/${ids.c2}/notify`, { reason: '' });
      assert.equal(noReason.json().code, 'abuse.case_reason_required');
      assert.equal(
        (await post('analyst', `/api/abuse/cases/${ids.c2}/notify`, { reason: 'not mine' })).statusCode,
        403,
      );
      assert.equal(mails.length, 2, 'nothing more was sent');
    });

    test('several cases move at once; each is recorded on its own and each refusal says why', async () => {
      const res = await post(
        'abuse_desk',
        '/api/abuse/cases/move',
        { ids: [ids.c2, ids.vulnerable, 999999], state: 'ignored', reason: 'sinkhole false positive' },
        { 'accept-language': 'ja' },
      );
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.moved, 2);
      assert.equal(body.failed, 1);
      assert.deepEqual(body.results[2], {
        id: 999999,
        ok: false,
        code: 'abuse.case_not_found',
        message: 'ID 999999 のケースはありません。',
      });
      const again = (
        await post('abuse_desk', '/api/abuse/cases/move', {
          ids: [ids.c2, ids.infected],
          state: 'resolved',
          reason: 'cleaned',
        })
      ).json();
      assert.equal(again.results[0].ok, false);
      assert.equal(again.results[0].code, 'abuse.case_bad_move');
      assert.match(again.results[0].message, /is ignored; it cannot become resolved/);
      assert.deepEqual(again.results[1], { id: ids.infected, ok: true, state: 'resolved' });
      const moves = await t.store.db
        .selectFrom('auditEntries')
        .select(['target'])
        .where('action', '=', 'abuse.case.move')
        .where('detail', 'like', '%sinkhole false positive%')
        .execute();
      assert.deepEqual(moves.map((m) => m.target).sort(), [`case:${ids.c2}`, `case:${ids.vulnerable}`].sort());

      const bad = await post('abuse_desk', '/api/abuse/cases/move', { ids: [ids.quiet], state: 'closed', reason: '' });
      assert.equal(bad.json().code, 'abuse.case_reason_required');
      assert.equal(
        (await post('abuse_desk', '/api/abuse/cases/move', { ids: [], state: 'closed', reason: 'x y z' })).statusCode,
        400,
      );
      assert.equal(
        (await post('legal', '/api/abuse/cases/move', { ids: [ids.quiet], state: 'closed', reason: 'not mine' }))
          .statusCode,
        403,
      );
    });

    test('an unassigned event is given to a subscriber by hand, joining or opening a case', async () => {
      const db = t.store.db;
      const [report] = await db.selectFrom('abuseReports').select('id').limit(1).execute();
      const insert = async (type: 'scanner' | 'spam', at: number, seq: number) => {
        const row = await db
          .insertInto('abuseEvents')
          .values({
            ...eventRow(
              {
                type,
                time: iso(at),
                reporter: 'partner',
                reportType: 'arf:abuse',
                evidence: 'x',
                source: { address: '192.0.2.77' },
              },
              Number(report!.id),
              seq,
              new Date().toISOString(),
            ),
            state: 'unassigned',
            unassignedReason: 'no-lease',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return Number(row.id);
      };
      const scan = await insert('scanner', T + 5 * DAY, 900);
      const spam = await insert('spam', T + 5 * DAY, 901);

      const joined = await post('abuse_desk', `/api/abuse/unassigned/${scan}/assign`, {
        subscriber: 'NOMAIL-3',
        reason: 'business line, fixed address',
      });
      assert.equal(joined.statusCode, 200, joined.body);
      assert.deepEqual(joined.json(), {
        eventId: scan,
        subscriberId: 'NOMAIL-3',
        caseId: ids.quiet,
        caseOpened: false,
      });
      const quiet = (await get('analyst', `/api/abuse/cases/${ids.quiet}?events=false`)).json();
      assert.equal(quiet.case.eventCount, 2);
      assert.ok(
        quiet.timeline.some((e: { kind: string; text?: string }) => e.kind === 'note' && /by hand/.test(e.text!)),
      );

      const opened = (
        await post('abuse_desk', `/api/abuse/unassigned/${spam}/assign`, { subscriber: 'C-2', reason: 'called in' })
      ).json();
      assert.equal(opened.caseOpened, true);
      const theirs = (await get('analyst', `/api/abuse/cases/${opened.caseId}`)).json();
      assert.equal(theirs.case.type, 'spam');
      assert.equal(theirs.case.subscriberId, 'C-2');
      assert.match(theirs.timeline.find((e: { kind: string }) => e.kind === 'state').reason, /by hand: called in/);
      const queue = (await get('analyst', '/api/abuse/unassigned')).json();
      assert.ok(!queue.items.some((e: { id: number }) => e.id === scan || e.id === spam));

      const twice = await post('abuse_desk', `/api/abuse/unassigned/${scan}/assign`, {
        subscriber: 'C-2',
        reason: 'again',
      });
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().code, 'abuse.event_not_unassigned');
      const nobody = await post('abuse_desk', `/api/abuse/unassigned/${scan}/assign`, {
        subscriber: 'C-404',
        reason: 'who?',
      });
      assert.equal(nobody.statusCode, 409, 'the event is checked first');
      assert.equal(
        (await post('analyst', `/api/abuse/unassigned/${scan}/assign`, { subscriber: 'C-2', reason: 'x y z' }))
          .statusCode,
        403,
      );
      assert.equal(
        (await post('abuse_desk', '/api/abuse/unassigned/999999/assign', { subscriber: 'C-2', reason: 'x y z' })).json()
          .code,
        'abuse.event_not_found',
      );
    });

    test("an approver's reason is kept on the case as a note", async () => {
      const caseId = await addCase(t.store.db, 'C-2', [{ time: iso(T + 6 * DAY), type: 'brute-force' }]);
      const told = await post('abuse_desk', `/api/abuse/cases/${caseId}/notify`, { reason: 'first notice' });
      assert.equal(told.statusCode, 200, told.body);
      const asked = await post('abuse_desk', `/api/abuse/cases/${caseId}/restriction`, { reason: 'still attacking' });
      assert.equal(asked.statusCode, 201, asked.body);
      const approved = await post('admin', `/api/abuse/restrictions/${asked.json().id}/approve`, {
        reason: 'logs confirm it',
      });
      assert.equal(approved.statusCode, 200, approved.body);
      const { case: c, timeline } = (await get('analyst', `/api/abuse/cases/${caseId}?events=false`)).json();
      assert.equal(c.state, 'restricted');
      assert.ok(
        timeline.some(
          (e: { kind: string; text?: string }) =>
            e.kind === 'note' && e.text === `Restriction ${asked.json().id} approved: logs confirm it`,
        ),
      );
    });
  });
}

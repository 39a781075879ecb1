import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classKey, pickDueCases, type CaseForDue, type CoveringNotice, type DueInput } from './due.js';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.parse('2026-11-30T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
// infected-system: 24 h between notices, a reminder after 7 days; copyright: a week between notices.
const timing = (type: string) =>
  type === 'copyright' ? { intervalHours: 168, remindAfterDays: 14 } : { intervalHours: 24, remindAfterDays: 7 };

function input(cases: CaseForDue[], extra: Partial<DueInput> = {}): DueInput {
  return { cases, covering: new Map(), lastAboutClass: new Map(), movedByHand: new Map(), ...extra };
}
const kase = (id: number, over: Partial<CaseForDue> = {}): CaseForDue => ({
  id,
  subscriberId: 'C-1',
  type: 'infected-system',
  state: 'new',
  lastEventAt: iso(NOW - H),
  ...over,
});
const told = (noticeId: number, status: string, at: number): CoveringNotice => ({ noticeId, status, at: iso(at) });

test('a new case is due for a notice when its subscriber heard nothing about its class for the interval', () => {
  const cases = [kase(1), kase(2, { subscriberId: 'C-2' }), kase(3, { subscriberId: 'C-3', type: 'copyright' })];
  const lastAboutClass = new Map([
    [classKey('C-2', 'infected-system'), iso(NOW - 23 * H)], // told 23 hours ago: waits for the next digest
    [classKey('C-3', 'copyright'), iso(NOW - 3 * D)], // a week's interval for copyright
    [classKey('C-1', 'copyright'), iso(NOW - H)], // another class: does not hold back C-1's infection
  ]);
  const due = pickDueCases(input(cases, { lastAboutClass }), timing, NOW);
  assert.deepEqual(
    due.map((d) => [d.caseId, d.kind]),
    [[1, 'notice']],
  );
  const later = pickDueCases(input(cases, { lastAboutClass }), timing, NOW + 2 * H);
  assert.deepEqual(
    later.map((d) => d.caseId),
    [1, 2],
  );
});

test('a case a notice is still trying to reach is not picked again', () => {
  const covering = new Map([
    [1, [told(7, 'pending', NOW - 3 * D)]],
    [2, [told(8, 'failed', NOW - 3 * D)]],
    [3, [told(9, 'sent', NOW - 10 * D), told(10, 'failed', NOW - D)]],
  ]);
  const cases = [kase(1), kase(2), kase(3, { state: 'notified' })];
  assert.deepEqual(pickDueCases(input(cases, { covering }), timing, NOW), []);
});

test('a reminder is due when the problem was seen after the last notice, and that notice is old enough', () => {
  const covering = new Map([
    [1, [told(1, 'sent', NOW - 8 * D)]], // seen since, 8 days: reminder
    [2, [told(2, 'sent', NOW - 8 * D)]], // not seen since: nothing to remind of
    [3, [told(3, 'sent', NOW - 6 * D)]], // seen since, but only 6 days
    [4, [told(4, 'sent', NOW - 20 * D), told(5, 'sent', NOW - 8 * D)]], // reminded 8 days ago: again
    [5, [told(6, 'exported', NOW - 8 * D)]], // handed to the phone desk: the same rule
  ]);
  const cases = [
    kase(1, { state: 'notified', lastEventAt: iso(NOW - 2 * D) }),
    kase(2, { state: 'notified', lastEventAt: iso(NOW - 9 * D) }),
    kase(3, { state: 'notified', lastEventAt: iso(NOW - D) }),
    kase(4, { state: 'reminded', lastEventAt: iso(NOW - D) }),
    kase(5, { state: 'notified', lastEventAt: iso(NOW - D) }),
  ];
  const due = pickDueCases(input(cases, { covering }), timing, NOW);
  assert.deepEqual(
    due.map((d) => [d.caseId, d.kind, d.previousNoticeAt]),
    [
      [1, 'reminder', iso(NOW - 8 * D)],
      [4, 'reminder', iso(NOW - 8 * D)],
      [5, 'reminder', iso(NOW - 8 * D)],
    ],
  );
});

test('the per-class reminder delay applies, and a case told by hand is reminded from when it was moved', () => {
  const cases = [
    kase(1, { type: 'copyright', state: 'notified', lastEventAt: iso(NOW - D) }),
    kase(2, { state: 'notified', lastEventAt: iso(NOW - D) }),
  ];
  const covering = new Map([[1, [told(1, 'sent', NOW - 10 * D)]]]);
  const movedByHand = new Map([[2, iso(NOW - 9 * D)]]);
  const due = pickDueCases(input(cases, { covering, movedByHand }), timing, NOW);
  assert.deepEqual(
    due.map((d) => d.caseId),
    [2],
    'copyright reminds after 14 days, not 7',
  );
});

test('restricted, resolved, closed and ignored cases get no notice', () => {
  const cases = ['restricted', 'resolved', 'closed', 'ignored'].map((state, i) =>
    kase(i + 1, { state, lastEventAt: iso(NOW - H) }),
  );
  const covering = new Map(cases.map((c) => [c.id, [told(c.id, 'sent', NOW - 30 * D)]]));
  assert.deepEqual(pickDueCases(input(cases, { covering }), timing, NOW), []);
});

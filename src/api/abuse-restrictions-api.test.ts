import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { addSato } from '../../test/support/sato.js';
import { sqliteStore } from '../../test/support/stores.js';
import { moveCase } from '../abuse/cases.js';
import { configSchema } from '../config/index.js';
import type { Role } from '../domain/roles.js';

// The walled garden through the API: the desk asks, someone else approves, the next publish carries
// the subscriber's address as an rpz-client-ip trigger; a release takes it out and resolves the case.

const system = { actor: { kind: 'system', component: 'test' } } as const;

describe('abuse restrictions API', () => {
  let t: TestApp;
  let dataDir: string;
  let caseId = 0;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mizugiwa-restrict-api-'));
    const config = configSchema.parse({ data_dir: dataDir });
    t = await testApp(await sqliteStore(), { data_dir: dataDir, enforce: config.enforce, abuse: config.abuse });
    await addSato(t.store.db, { from: Date.now() - 3_600_000 });
    const iso = new Date().toISOString();
    const row = await t.store.db
      .insertInto('abuseCases')
      .values({
        subscriberId: 'C-23',
        type: 'infected-system',
        state: 'new',
        openedAt: iso,
        updatedAt: iso,
        firstEventAt: iso,
        lastEventAt: iso,
        eventCount: 3,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    caseId = Number(row.id);
    await moveCase(t.store.db, system, caseId, 'notified', 'notice sent');
  });
  after(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST', url: string, role: Role, payload?: object, lang = 'en') =>
    t.app.inject({
      method,
      url,
      headers: { ...bearer(t.tokens[role]), 'accept-language': lang },
      ...(payload && { payload }),
    });
  const zone = () => readFileSync(join(dataDir, 'rpz', 'rpz.mizugiwa.zone'), 'utf8');

  test('ask (abuse.write), approve by someone else (abuse.restrict), published as a client-IP trigger', async () => {
    const reason = { reason: 'still infected after two notices' };
    assert.equal((await call('POST', `/api/abuse/cases/${caseId}/restriction`, 'analyst', reason)).statusCode, 403);
    const asked = await call('POST', `/api/abuse/cases/${caseId}/restriction`, 'abuse_desk', reason);
    assert.equal(asked.statusCode, 201, asked.body);
    const r = asked.json();
    assert.equal(r.state, 'pending');
    assert.equal((await call('POST', `/api/abuse/cases/${caseId}/restriction`, 'abuse_desk', reason)).statusCode, 409);

    const self = await call('POST', `/api/abuse/restrictions/${r.id}/approve`, 'abuse_desk', undefined, 'ja');
    assert.equal(self.statusCode, 403);
    assert.match(self.json().message, /別の担当者が承認してください/);
    assert.equal((await call('POST', `/api/abuse/restrictions/${r.id}/approve`, 'analyst')).statusCode, 403);
    const approved = await call('POST', `/api/abuse/restrictions/${r.id}/approve`, 'admin');
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().state, 'active');
    assert.deepEqual(approved.json().addresses, ['198.51.100.23']);
    assert.deepEqual(approved.json().skipped, []);

    const published = await call('POST', '/api/enforce/rpz/publish', 'admin');
    assert.equal(published.json().status, 'live', published.body);
    assert.match(zone(), /^32\.23\.100\.51\.198\.rpz-client-ip 300 IN A 127\.0\.0\.1$/m);

    const list = await call('GET', '/api/abuse/restrictions?state=active', 'analyst');
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json().items.map((i: { id: number; caseId: number }) => [i.id, i.caseId]),
      [[r.id, caseId]],
    );
    assert.equal((await call('GET', '/api/abuse/restrictions', 'viewer')).statusCode, 403);
    const detail = (await call('GET', `/api/abuse/restrictions/${r.id}`, 'analyst')).json();
    assert.deepEqual(
      detail.history.map((h: { address: string; until: string | null }) => [h.address, h.until]),
      [['198.51.100.23', null]],
    );
  });

  test('release (abuse.restrict) takes the address out at the next publish and resolves the case', async () => {
    const [r] = (await call('GET', `/api/abuse/restrictions?case=${caseId}`, 'analyst')).json().items;
    assert.equal((await call('POST', `/api/abuse/restrictions/${r.id}/release`, 'abuse_desk', {})).statusCode, 400);
    assert.equal(
      (await call('POST', `/api/abuse/restrictions/${r.id}/release`, 'analyst', { reason: 'cleaned' })).statusCode,
      403,
    );
    const released = await call('POST', `/api/abuse/restrictions/${r.id}/release`, 'abuse_desk', {
      reason: 'PC cleaned, confirmed by phone',
    });
    assert.equal(released.statusCode, 200, released.body);
    assert.equal(released.json().state, 'released');
    assert.equal(released.json().releaseKind, 'operator');
    const kase = await t.store.db.selectFrom('abuseCases').select('state').where('id', '=', caseId).executeTakeFirst();
    assert.equal(kase?.state, 'resolved');
    await call('POST', '/api/enforce/rpz/publish', 'admin');
    assert.doesNotMatch(zone(), /rpz-client-ip/);
    assert.equal((await call('GET', '/api/abuse/restrictions/99999', 'analyst')).statusCode, 404);
  });
});

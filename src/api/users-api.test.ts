// Users and roles as the Settings screen manages them: a user added without a password gets a one-time password from
// the server, shown in that response only; a reset does the same; the roles come with the permissions they grant.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, signIn, testApp, type TestApp } from '../../test/support/app.js';
import { sqliteStore } from '../../test/support/stores.js';
import { listAudit } from '../audit/query.js';
import { PERMISSIONS } from '../domain/roles.js';

describe('users API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp(await sqliteStore());
  });
  after(() => t.close());
  const admin = () => bearer(t.tokens.admin);

  test('a user added without a password gets a generated one-time password, once', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin(),
      payload: { username: 'hanako', role: 'legal', displayName: '法務 花子' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json() as { oneTimePassword: string; role: string; mustChangePassword: boolean };
    assert.match(body.oneTimePassword, /^[A-Za-z0-9]{20}$/);
    assert.equal(body.role, 'legal');
    assert.equal(body.mustChangePassword, true);

    const session = await signIn(t.app, 'hanako', body.oneTimePassword);
    assert.equal(session.user.mustChangePassword, true);

    const listed = await t.app.inject({ method: 'GET', url: '/api/users', headers: admin() });
    assert.ok(listed.json().items.some((u: { username: string }) => u.username === 'hanako'));
    assert.ok(!listed.body.includes(body.oneTimePassword), 'the list never holds a password');
    const audit = await listAudit(t.store.db, { limit: 5, action: 'user.' });
    assert.ok(!JSON.stringify(audit).includes(body.oneTimePassword), 'the audit trail never holds a password');

    const given = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin(),
      payload: { username: 'jiro', role: 'viewer', password: 'chosen-by-the-admin' },
    });
    assert.equal(given.statusCode, 201, given.body);
    assert.equal(given.json().oneTimePassword, undefined, 'a password the admin chose is not echoed');
  });

  test('a reset generates a new one-time password and the old one stops working', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin(),
      payload: { username: 'saburo', role: 'analyst' },
    });
    const first = created.json().oneTimePassword as string;
    const reset = await t.app.inject({
      method: 'PATCH',
      url: '/api/users/saburo',
      headers: admin(),
      payload: { resetPassword: true, role: 'abuse_desk' },
    });
    assert.equal(reset.statusCode, 200, reset.body);
    const second = reset.json().oneTimePassword as string;
    assert.notEqual(second, first);
    assert.equal(reset.json().role, 'abuse_desk');
    await assert.rejects(signIn(t.app, 'saburo', first), /401/);
    assert.equal((await signIn(t.app, 'saburo', second)).user.mustChangePassword, true);

    const both = await t.app.inject({
      method: 'PATCH',
      url: '/api/users/saburo',
      headers: admin(),
      payload: { resetPassword: true, password: 'something-long-enough' },
    });
    assert.equal(both.statusCode, 400);
    const disabled = await t.app.inject({
      method: 'PATCH',
      url: '/api/users/saburo',
      headers: admin(),
      payload: { disabled: true },
    });
    assert.equal(disabled.json().oneTimePassword, undefined);
    assert.ok(disabled.json().disabledAt);
  });

  test('the roles list each role with the permissions it grants', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/roles', headers: admin() });
    assert.equal(res.statusCode, 200, res.body);
    const roles = new Map(
      (res.json().items as { role: string; permissions: string[] }[]).map((r) => [r.role, r.permissions]),
    );
    assert.deepEqual([...roles.keys()], ['viewer', 'analyst', 'abuse_desk', 'legal', 'admin']);
    assert.deepEqual(roles.get('viewer'), ['system.read']);
    assert.ok(roles.get('legal')!.includes('audit.read'));
    assert.ok(!roles.get('analyst')!.includes('subscriber.read'));
    assert.deepEqual(roles.get('admin'), [...PERMISSIONS]);
  });
});

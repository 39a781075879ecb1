import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { ROLES, rolesWith, type Permission } from '../domain/roles.js';
import { sqliteStore } from '../../test/support/stores.js';
import { bearer, testApp, type TestApp } from '../../test/support/app.js';
import { installAuth } from './auth-hook.js';

// Who may call each API route. A route missing here, or answering differently from what is written
// here, fails the suite: adding a route means deciding its permission in two places on purpose.
const EXPECTED: Record<string, Permission | 'public'> = {
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /api/meta': 'public',
  'GET /api/openapi.json': 'public',
  'POST /api/auth/login': 'public',
  'GET /api/auth/me': 'system.read',
  'POST /api/auth/logout': 'system.read',
  'POST /api/auth/password': 'system.read',
  'GET /api/overview': 'system.read',
  'GET /api/dashboard': 'system.read',
  'GET /api/users': 'users.manage',
  'POST /api/users': 'users.manage',
  'PATCH /api/users/:username': 'users.manage',
  'GET /api/roles': 'users.manage',
  'GET /api/tokens': 'users.manage',
  'POST /api/tokens': 'users.manage',
  'DELETE /api/tokens/:id': 'users.manage',
  'GET /api/audit': 'audit.read',
  'POST /api/audit/verify': 'audit.read',
  'GET /api/jobs': 'system.read',
  'GET /api/jobs/:id': 'system.read',
  'POST /api/jobs/:id/cancel': 'system.operate',
  'GET /api/deadletters': 'system.read',
  'GET /api/deadletters/:id': 'system.operate',
  'POST /api/deadletters/replay': 'system.operate',
  'POST /api/deadletters/purge': 'system.operate',
  'GET /api/subscribers': 'subscriber.read',
  'GET /api/subscribers/:id': 'subscriber.read',
  'PUT /api/subscribers/:id': 'subscriber.write',
  'GET /api/intel/sources': 'system.read',
  'GET /api/intel/sources/:name': 'system.read',
  'POST /api/intel/sources/:name/approve': 'system.operate',
  'POST /api/intel/import': 'system.operate',
  'GET /api/intel/indicators/:value': 'system.read',
  'GET /api/intel/claims': 'system.read',
  'GET /api/intel/stats': 'system.read',
  'GET /api/intel/allowlists': 'system.read',
  'POST /api/intel/check': 'system.read',
  'GET /api/intel/indicators': 'system.read',
  'GET /api/intel/sources/:name/held': 'system.read',
  'POST /api/intel/sources/:name/fetch': 'system.operate',
  'GET /api/intel/allowlist-entries': 'system.read',
  'POST /api/intel/allowlist-entries': 'system.operate',
  'DELETE /api/intel/allowlist-entries/:id': 'system.operate',
  'GET /api/enforce/status': 'system.read',
  'GET /api/enforce/:point/versions': 'system.read',
  'GET /api/enforce/:point/diff': 'system.read',
  'POST /api/enforce/:point/publish': 'system.operate',
  'POST /api/enforce/:point/approve': 'system.operate',
  'POST /api/enforce/:point/mode': 'system.operate',
  'GET /api/alerts': 'system.read',
  'GET /api/sightings': 'sightings.read',
  'GET /api/attribution/who': 'attribution.lookup',
  'GET /api/attribution/status': 'system.read',
  'GET /api/attribution/purposes': 'system.read',
  'GET /api/policy': 'system.read',
  'POST /api/attribution/imports': 'system.operate',
  'POST /api/subscribers/import': 'subscriber.write',
  'GET /api/attribution/holds': 'audit.read',
  'POST /api/attribution/holds': 'audit.read',
  'DELETE /api/attribution/holds/:id': 'audit.read',
  'GET /api/observe/status': 'system.read',
  'GET /api/abuse/notices': 'abuse.read',
  'GET /api/abuse/notices/:id': 'abuse.read',
  'POST /api/abuse/notify/dry-run': 'abuse.write',
  'GET /api/abuse/templates': 'abuse.templates',
  'GET /api/abuse/templates/:name/:locale': 'abuse.templates',
  'PUT /api/abuse/templates/:name/:locale': 'abuse.templates',
  'POST /api/abuse/templates/:name/:locale/preview': 'abuse.templates',
  'POST /api/abuse/templates/:name/:locale/revert': 'abuse.templates',
  'POST /api/abuse/reports': 'abuse.write',
  'GET /api/abuse/reports': 'abuse.read',
  'GET /api/abuse/reports/:id': 'abuse.read',
  'GET /api/abuse/reports/:id/evidence': 'abuse.read',
  'POST /api/abuse/reports/preview': 'abuse.write',
  'GET /api/abuse/imports/:jobId': 'abuse.read',
  'GET /api/abuse/reports/:id/cases': 'abuse.read',
  'GET /api/abuse/mappings': 'abuse.read',
  'GET /api/abuse/mappings/:name': 'abuse.read',
  'PUT /api/abuse/mappings/:name': 'abuse.write',
  'GET /api/abuse/events': 'abuse.read',
  'GET /api/abuse/unassigned': 'abuse.read',
  'POST /api/abuse/unassigned/retry': 'abuse.write',
  'POST /api/abuse/unassigned/:id/assign': 'abuse.write',
  'GET /api/abuse/cases': 'abuse.read',
  'POST /api/abuse/cases/move': 'abuse.write',
  'GET /api/abuse/cases/:id': 'abuse.read',
  'GET /api/abuse/cases/:id/sightings': 'sightings.read',
  'POST /api/abuse/cases/:id/move': 'abuse.write',
  'POST /api/abuse/cases/:id/notes': 'abuse.write',
  'POST /api/abuse/cases/:id/notify': 'abuse.write',
  'GET /api/abuse/restrictions': 'abuse.read',
  'GET /api/abuse/restrictions/:id': 'abuse.read',
  'POST /api/abuse/cases/:id/restriction': 'abuse.write',
  'POST /api/abuse/restrictions/:id/approve': 'abuse.restrict',
  'POST /api/abuse/restrictions/:id/release': 'abuse.restrict',
};

/** Parameters that name nothing, so an allowed call cannot change the state other checks rely on. */
function concrete(url: string): string {
  return url
    .replace(':id', '999999')
    .replace(':username', 'nobody-here')
    .replace(':point', 'nowhere')
    .replace('*', 'x');
}

describe('every route answers 401 without credentials and 403 for a role without the permission', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp(await sqliteStore());
  });
  after(async () => t?.close());

  test('the table and the server agree on which routes exist', () => {
    const api = t.app.routeTable.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/api/docs'));
    const registered = new Set(
      api
        .filter((r) => r.url.startsWith('/api') || r.url === '/healthz' || r.url === '/metrics')
        .map((r) => `${r.method} ${r.url}`),
    );
    const missing = [...registered].filter((k) => !(k in EXPECTED));
    assert.deepEqual(missing, [], `routes without an entry in EXPECTED: ${missing.join(', ')}`);
    const gone = Object.keys(EXPECTED).filter((k) => !registered.has(k));
    assert.deepEqual(gone, [], `EXPECTED names routes the server does not have: ${gone.join(', ')}`);
  });

  test('routes outside /api (the UI files) and the API docs are public', async () => {
    const others = t.app.routeTable.filter(
      (r) =>
        r.method === 'GET' &&
        (!r.url.startsWith('/api') || r.url.startsWith('/api/docs')) &&
        !(`GET ${r.url}` in EXPECTED),
    );
    for (const r of others) {
      assert.equal(r.public, true, `${r.url} should be public`);
      const res = await t.app.inject({ method: 'GET', url: concrete(r.url) });
      assert.ok(res.statusCode !== 401 && res.statusCode !== 403, `${r.url} answered ${res.statusCode}`);
    }
  });

  for (const [route, permission] of Object.entries(EXPECTED)) {
    const [method, url] = route.split(' ') as [string, string];
    test(route, async () => {
      const anonymous = await t.app.inject({ method: method as 'GET', url: concrete(url) });
      if (permission === 'public') {
        assert.ok(![401, 403].includes(anonymous.statusCode), `public route answered ${anonymous.statusCode}`);
        return;
      }
      assert.equal(anonymous.statusCode, 401, `anonymous: ${anonymous.body}`);
      assert.equal(anonymous.json().code, 'auth.required');

      const badToken = await t.app.inject({
        method: method as 'GET',
        url: concrete(url),
        headers: bearer('mzg_not-a-real-token'),
      });
      assert.equal(badToken.statusCode, 401);

      const allowed = rolesWith(permission);
      for (const role of ROLES) {
        const res = await t.app.inject({
          method: method as 'GET',
          url: concrete(url),
          headers: bearer(t.tokens[role]),
        });
        if (allowed.includes(role)) {
          assert.ok(
            ![401, 403].includes(res.statusCode),
            `${role} should be allowed, got ${res.statusCode} ${res.body}`,
          );
        } else {
          assert.equal(res.statusCode, 403, `${role} should be refused, got ${res.statusCode} ${res.body}`);
          assert.equal(res.json().code, 'auth.forbidden');
        }
      }
    });
  }
});

test('a route that declares neither a permission nor public stops the server from starting', async () => {
  const store = await sqliteStore();
  const app = Fastify();
  try {
    installAuth(app, store.db, 1);
    assert.throws(
      () => app.get('/api/forgotten', async () => 'oops'),
      /declares neither config.permission nor config.public/,
    );
  } finally {
    await app.close();
    await store.dispose();
  }
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { missingProgram } from '../../test/support/components.js';
import { configSchema } from '../config/schema.js';
import { ReloadFailed } from './files.js';
import type { RenderContext } from './point.js';
import { POSTFIX_FILES, postfixPoint } from './postfix.js';
import type { PolicyEntry, PolicySnapshot } from './snapshot.js';

const entry = (type: PolicyEntry['type'], value: string, action: PolicyEntry['action'] = 'block'): PolicyEntry => ({
  type,
  value,
  action,
  categories: ['spam'],
  sources: ['s'],
});
const snapshot = (entries: PolicyEntry[]): PolicySnapshot => ({
  point: 'postfix',
  entries,
  passthru: [],
  restrictedClients: [],
});
const context = (enforce: Record<string, unknown> = {}, dataDir = '/var/lib/mizugiwa'): RenderContext => {
  const { postfix, ...rest } = enforce as { postfix?: Record<string, unknown> };
  return {
    config: configSchema.parse({ enforce: { postfix: { enabled: true, ...postfix }, ...rest } }),
    dataDir,
    version: 1,
    serial: 1,
  };
};
const files = (s: PolicySnapshot, ctx = context()): Record<string, string[]> =>
  Object.fromEntries(
    postfixPoint
      .render(s, ctx)
      .files.map((f) => [basename(f.path), f.content.split('\n').filter((l) => l !== '' && !l.startsWith('#'))]),
  );
const REJECT = 'REJECT listed by Mizugiwa threat intelligence';
const WARN = 'WARN mizugiwa monitor: listed by Mizugiwa threat intelligence';

describe('postfixPoint.render', () => {
  const mixed = [
    entry('cidr', '203.0.113.0/24'),
    entry('ipv4', '203.0.113.5'),
    entry('ipv4', '198.51.100.9', 'monitor'),
    entry('cidr', '2001:db8::/32'),
    entry('ipv6', '::ffff:192.0.2.1'),
    entry('email', 'Bad@mail.example'),
    entry('email', 'bad@mail.example', 'monitor'),
    entry('email', 'watch@mail.example', 'monitor'),
    entry('domain', 'spam.example'),
    entry('domain', 'watched.example', 'monitor'),
    entry('ip-port', '192.0.2.9:25'),
  ];

  test('the same snapshot gives the same bytes', () => {
    assert.deepEqual(postfixPoint.render(snapshot(mixed), context()), postfixPoint.render(snapshot(mixed), context()));
  });

  test('client map: collapsed prefixes, IPv4-mapped as IPv4, rejects before warnings', () => {
    assert.deepEqual(files(snapshot(mixed))[POSTFIX_FILES.clients], [
      `192.0.2.1 ${REJECT}`,
      `203.0.113.0/24 ${REJECT}`,
      `2001:db8::/32 ${REJECT}`,
      `198.51.100.9 ${WARN}`,
    ]);
  });

  test('sender map: addresses folded as postmap folds them (a block wins), domains in both forms, sorted', () => {
    assert.deepEqual(files(snapshot(mixed))[POSTFIX_FILES.senders], [
      `.spam.example ${REJECT}`,
      `.watched.example ${WARN}`,
      `bad@mail.example ${REJECT}`,
      `spam.example ${REJECT}`,
      `watch@mail.example ${WARN}`,
      `watched.example ${WARN}`,
    ]);
  });

  test('keys: every carried entry, sorted; ip-port is the firewall’s', () => {
    const keys = postfixPoint.render(snapshot(mixed), context()).keys;
    assert.equal(keys.length, mixed.length - 1);
    assert.deepEqual(keys, [...keys].sort());
    assert.ok(!keys.some((k) => k.startsWith('ip-port')));
  });

  test('monitor mode warns for every entry', () => {
    for (const ctx of [context({ postfix: { monitor: true } }), context({ monitor: true })]) {
      const f = files(snapshot(mixed), ctx);
      for (const line of [...(f[POSTFIX_FILES.clients] ?? []), ...(f[POSTFIX_FILES.senders] ?? [])]) {
        assert.ok(line.endsWith(WARN), line);
      }
    }
  });

  test('the reason from the config, on one line', () => {
    const ctx = context({ postfix: { reject_reason: 'see https://isp.example/abuse\nnow' } });
    assert.deepEqual(files(snapshot([entry('ipv4', '192.0.2.1')]), ctx)[POSTFIX_FILES.clients], [
      '192.0.2.1 REJECT see https://isp.example/abuse now',
    ]);
  });

  test('empty lists are valid empty maps; main.cf lines name the maps', () => {
    const f = files(snapshot([]), context({}, '/data'));
    assert.deepEqual(f[POSTFIX_FILES.clients], []);
    assert.deepEqual(f[POSTFIX_FILES.senders], []);
    assert.deepEqual(f[POSTFIX_FILES.mainCf], [
      'smtpd_client_restrictions = check_client_access cidr:/data/postfix/mizugiwa_client_access.cidr',
      'smtpd_sender_restrictions = check_sender_access hash:/data/postfix/mizugiwa_sender_access',
    ]);
  });
});

const noPostmap = missingProgram('/usr/sbin/postmap', 'postfix');

describe('postfixPoint.apply', { skip: noPostmap }, () => {
  const root = mkdtempSync(join(tmpdir(), 'mzg-postfix-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  // postmap reads main.cf from its config directory; this one only stops the compatibility warnings.
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'main.cf'), 'compatibility_level = 3.6\n');
  const postmap = `postmap -c ${join(root, 'etc')}`;
  const map = join(root, 'postfix', POSTFIX_FILES.senders);
  const lookup = (key: string) => {
    try {
      return execFileSync('postmap', ['-c', join(root, 'etc'), '-q', key, `hash:${map}`], { encoding: 'utf8' }).trim();
    } catch {
      return undefined; // postmap -q exits 1 when the key is not there
    }
  };

  test('compiles the sender map; a failing reload puts the previous sources and .db back', async () => {
    const ok = context({ postfix: { postmap_command: postmap, reload_command: 'true' } }, root);
    await postfixPoint.apply(postfixPoint.render(snapshot([entry('email', 'one@mail.example')]), ok), ok);
    assert.equal(lookup('one@mail.example'), REJECT);
    const source = readFileSync(map, 'utf8');
    const clients = readFileSync(join(root, 'postfix', POSTFIX_FILES.clients), 'utf8');

    const failing = context({ postfix: { postmap_command: postmap, reload_command: 'false' } }, root);
    const next = postfixPoint.render(
      snapshot([entry('email', 'two@mail.example'), entry('ipv4', '192.0.2.1')]),
      failing,
    );
    await assert.rejects(postfixPoint.apply(next, failing), ReloadFailed);
    assert.equal(lookup('one@mail.example'), REJECT);
    assert.equal(lookup('two@mail.example'), undefined);
    assert.equal(readFileSync(map, 'utf8'), source);
    assert.equal(readFileSync(join(root, 'postfix', POSTFIX_FILES.clients), 'utf8'), clients);
    assert.ok(!existsSync(`${map}.next`) && !existsSync(`${map}.next.db`) && !existsSync(`${map}.db.previous`));
  });

  test('a failing postmap changes nothing', async () => {
    const before = readFileSync(`${map}.db`);
    const broken = context({ postfix: { postmap_command: `${postmap} -X`, reload_command: 'true' } }, root);
    await assert.rejects(postfixPoint.apply(postfixPoint.render(snapshot([]), broken), broken), ReloadFailed);
    assert.deepEqual(readFileSync(`${map}.db`), before);
    assert.equal(lookup('one@mail.example'), REJECT);
  });
});

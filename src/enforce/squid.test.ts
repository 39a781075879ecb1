import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { configSchema } from '../config/schema.js';
import { ReloadFailed } from './files.js';
import type { RenderContext } from './point.js';
import type { PolicyEntry, PolicySnapshot } from './snapshot.js';
import { SQUID_FILES, SQUID_LOG, domainPatterns, parseCommandFor, squidPoint } from './squid.js';

const entry = (type: PolicyEntry['type'], value: string, action: PolicyEntry['action'] = 'block'): PolicyEntry => ({
  type,
  value,
  action,
  categories: ['phishing'],
  sources: ['s'],
});
const snapshot = (entries: PolicyEntry[], passthru: string[] = []): PolicySnapshot => ({
  point: 'squid',
  entries,
  passthru,
  restrictedClients: [],
});
const context = (enforce: Record<string, unknown> = {}, dataDir = '/var/lib/mizugiwa'): RenderContext => {
  const { squid, ...rest } = enforce as { squid?: Record<string, unknown> };
  return {
    config: configSchema.parse({ enforce: { squid: { enabled: true, ...squid }, ...rest } }),
    dataDir,
    version: 1,
    serial: 1,
  };
};
/** The files of a render by name, without their header comment. */
const files = (s: PolicySnapshot, ctx = context()): Record<string, string[]> =>
  Object.fromEntries(
    squidPoint
      .render(s, ctx)
      .files.map((f) => [basename(f.path), f.content.split('\n').filter((l) => l !== '' && !l.startsWith('#'))]),
  );

describe('domainPatterns', () => {
  test('a name under another listed name is left out; a name that only ends alike is kept', () => {
    assert.deepEqual(domainPatterns(['a.evil.example', 'evil.example', 'notevil.example', 'x.y.evil.example']), [
      '.evil.example',
      '.notevil.example',
    ]);
  });
});

describe('squidPoint.render', () => {
  const mixed = [
    entry('domain', 'evil.example'),
    entry('domain', 'www.evil.example'),
    entry('domain', 'phish.example'),
    entry('domain', 'watched.example', 'monitor'),
    entry('ipv4', '192.0.2.7'),
    entry('cidr', '192.0.2.0/24'),
    entry('cidr', '2001:db8::/32'),
    entry('ipv6', '2001:db8::5'),
    entry('ipv6', '2001:db9::5', 'monitor'),
    entry('email', 'x@evil.example'),
  ];

  test('the same snapshot gives the same bytes', () => {
    assert.deepEqual(squidPoint.render(snapshot(mixed), context()), squidPoint.render(snapshot(mixed), context()));
  });

  test('domains as .name without covered subdomains; addresses collapsed, v4 and v6; monitor apart', () => {
    const f = files(snapshot(mixed));
    assert.deepEqual(f[SQUID_FILES.domains], ['.evil.example', '.phish.example']);
    assert.deepEqual(f[SQUID_FILES.ips], ['192.0.2.0/24', '2001:db8::/32']);
    assert.deepEqual(f[SQUID_FILES.monitorDomains], ['.watched.example']);
    assert.deepEqual(f[SQUID_FILES.monitorIps], ['2001:db9::5']);
  });

  test('the snippet names the files, denies with the block page, and logs every hit', () => {
    const ctx = context({}, '/data');
    const snippet = files(snapshot(mixed), ctx)[SQUID_FILES.snippet] as string[];
    assert.ok(snippet.includes('acl mizugiwa_domains dstdomain "/data/squid/mizugiwa-domains.acl"'));
    assert.ok(snippet.includes('acl mizugiwa_ips dst "/data/squid/mizugiwa-ips.acl"'));
    assert.ok(snippet.includes('http_access deny !mizugiwa_passthru mizugiwa_domains'));
    assert.ok(snippet.includes('http_access deny !mizugiwa_passthru mizugiwa_ips'));
    assert.ok(snippet.includes('deny_info http://127.0.0.1:8081/?blocked=%H mizugiwa_domains'));
    assert.ok(
      snippet.includes(
        `access_log daemon:${SQUID_LOG} logformat=squid mizugiwa_request mizugiwa_hits !mizugiwa_passthru`,
      ),
    );
  });

  test('deny_url replaces the sinkhole; without either, squid shows its own 403 page', () => {
    const own = files(snapshot(mixed), context({ squid: { deny_url: 'https://block.isp.example/?u=%u' } }));
    assert.ok(own[SQUID_FILES.snippet]?.includes('deny_info https://block.isp.example/?u=%u mizugiwa_ips'));
    const none = files(snapshot(mixed), context({ sinkhole: { enabled: false } }));
    assert.ok(!none[SQUID_FILES.snippet]?.some((l) => l.startsWith('deny_info')));
    const v6 = files(snapshot(mixed), context({ sinkhole: { listen: '[2001:db8::53]:80' } }));
    assert.ok(v6[SQUID_FILES.snippet]?.includes('deny_info http://[2001:db8::53]:80/?blocked=%H mizugiwa_domains'));
  });

  test('monitor mode: every entry in the monitor lists and no http_access deny', () => {
    for (const ctx of [context({ squid: { monitor: true } }), context({ monitor: true })]) {
      const f = files(snapshot(mixed), ctx);
      assert.deepEqual(f[SQUID_FILES.domains], ['.invalid']);
      assert.deepEqual(f[SQUID_FILES.monitorDomains], ['.evil.example', '.phish.example', '.watched.example']);
      assert.deepEqual(f[SQUID_FILES.monitorIps], ['192.0.2.0/24', '2001:db8::/32', '2001:db9::5']);
      assert.ok(!f[SQUID_FILES.snippet]?.some((l) => l.startsWith('http_access') || l.startsWith('deny_info')));
      assert.ok(f[SQUID_FILES.snippet]?.some((l) => l.startsWith('access_log')));
    }
  });

  test('empty lists hold a placeholder that cannot match, so squid has no empty ACL to warn about', () => {
    const f = files(snapshot([]));
    assert.deepEqual(f[SQUID_FILES.domains], ['.invalid']);
    assert.deepEqual(f[SQUID_FILES.ips], ['255.255.255.255']);
    assert.deepEqual(f[SQUID_FILES.passthru], ['.invalid']);
  });

  test('passthru names are exempt from the deny and carried in the keys', () => {
    const s = snapshot([entry('domain', 'shared.example'), entry('email', 'a@b.example')], ['www.shared.example']);
    assert.deepEqual(files(s)[SQUID_FILES.passthru], ['.www.shared.example']);
    assert.deepEqual(squidPoint.render(s, context()).keys, [
      'domain shared.example block',
      'passthru www.shared.example',
    ]);
  });
});

describe('parseCommandFor', () => {
  test('the same squid command with -k parse, and nothing for other commands', () => {
    assert.equal(parseCommandFor('squid -k reconfigure'), 'squid -k parse');
    assert.equal(
      parseCommandFor('/usr/sbin/squid -f /etc/squid/x.conf -k reconfigure'),
      '/usr/sbin/squid -f /etc/squid/x.conf -k parse',
    );
    assert.equal(parseCommandFor('systemctl reload squid'), undefined);
    assert.equal(parseCommandFor('false'), undefined);
  });
});

describe('squidPoint.apply', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mzg-squid-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('installs the files; a failing reload puts every previous file back', async () => {
    const ok = context({ squid: { reload_command: 'true' } }, dir);
    await squidPoint.apply(squidPoint.render(snapshot([entry('domain', 'one.example')]), ok), ok);
    const before = Object.fromEntries(
      readdirSync(join(dir, 'squid')).map((n) => [n, readFileSync(join(dir, 'squid', n), 'utf8')]),
    );
    assert.deepEqual(Object.keys(before).sort(), Object.values(SQUID_FILES).sort());

    const failing = context({ squid: { reload_command: 'false', monitor: true } }, dir);
    const next = squidPoint.render(snapshot([entry('domain', 'two.example')]), failing);
    await assert.rejects(squidPoint.apply(next, failing), ReloadFailed);
    const afterFailure = Object.fromEntries(
      readdirSync(join(dir, 'squid')).map((n) => [n, readFileSync(join(dir, 'squid', n), 'utf8')]),
    );
    assert.deepEqual(afterFailure, before);
  });
});

// `mizugiwa enforce` as an operator uses it: publish the policy zone, see an allowlisted name kept
// out of it (and carried as PASSTHRU under a listed parent), a feed that would remove 90% of entries
// held with the previous version still live, the diff, approval, and the resolver snippets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { missingProgram } from '../support/components.js';
import { runCli } from '../support/serve.js';

const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-enforce-'));
mkdirSync(join(cwd, 'postfix-conf'));
writeFileSync(join(cwd, 'postfix-conf', 'main.cf'), '');
const cli = (args: string[]) => runCli(args, { cwd });
const zoneFile = join(cwd, 'data', 'rpz', 'rpz.mizugiwa.zone');
const zone = () => readFileSync(zoneFile, 'utf8');
const owners = () =>
  new Set(
    zone()
      .split('\n')
      .filter((l) => / IN (A|AAAA|CNAME) /.test(l))
      .map((l) => l.split(' ')[0]),
  );
const feed = (names: string[]) => writeFileSync(join(cwd, 'list.txt'), `${names.join('\n')}\n`);
const bad = (n: number) => Array.from({ length: n }, (_, i) => `bad${i + 1}.example`);

writeFileSync(
  join(cwd, 'mizugiwa.yaml'),
  [
    'intel:',
    '  own:',
    '    domains: [isp.example.jp]',
    '    prefixes: [45.64.0.0/16]',
    '  sources:',
    // The intel-level guard is off for this source, so the enforcement guard is what is tested.
    '    - {name: mylist, format: plain, file: list.txt, category: c2, max_retire_share: 1}',
    '  allowlists:',
    '    - name: partners',
    '      entries:',
    '        - {kind: hostname, value: good.example}',
    '        - {kind: hostname, value: www.parent.example}',
    // Every point publishes, so every artifact can be checked; the devices themselves are other tests'.
    'enforce:',
    '  squid: {enabled: true, reload_command: "true"}',
    '  nftables: {enabled: true, reload_command: "true"}',
    // postmap reads a main.cf; Debian's package is installed here without one.
    `  postfix: {enabled: true, reload_command: "true", postmap_command: "postmap -c ${join(cwd, 'postfix-conf')} {map}"}`,
    '',
  ].join('\n'),
);

describe('mizugiwa enforce', () => {
  test('publish writes every artifact; allowlisted and own values never appear; PASSTHRU under a listed parent', () => {
    // Addresses too, for the firewall and the mail server; one of them is the ISP's own.
    feed([
      ...bad(200),
      'good.example',
      'x.good.example',
      'parent.example',
      'mail.isp.example.jp',
      '45.0.0.1',
      '45.64.0.9',
    ]);
    assert.equal(cli(['intel', 'fetch', 'mylist', '--json']).code, 0);
    const res = cli(['enforce', 'publish', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const outcomes = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { point: string; status: string });
    assert.deepEqual(
      outcomes.map((o) => `${o.point}:${o.status}`),
      ['rpz:live', 'squid:live', 'nftables:live', 'postfix:live'],
    );
    const outcome = JSON.parse(res.stdout.trim().split('\n')[0] as string) as {
      status: string;
      entries: number;
      version: number;
    };
    assert.equal(outcome.status, 'live');
    assert.equal(outcome.entries, 201 + 1 + 1); // 201 names, one address, one passthru
    // No artifact of any point carries the allowlisted or the ISP's own names and networks.
    const artifacts = [
      'squid/mizugiwa-domains.acl',
      'squid/mizugiwa-ips.acl',
      'nftables/mizugiwa.nft',
      'postfix/mizugiwa_client_access.cidr',
      'postfix/mizugiwa_sender_access',
    ].map((f) => readFileSync(join(cwd, 'data', f), 'utf8'));
    for (const text of [zone(), ...artifacts]) {
      assert.doesNotMatch(text, /(^|[\s.])good\.example|isp\.example\.jp|45\.64\.0\.9/m);
    }
    assert.match(artifacts[0] as string, /^\.bad1\.example$/m);
    assert.match(artifacts[2] as string, /45\.0\.0\.1/);
    const o = owners();
    assert.ok(o.has('bad1.example') && o.has('*.bad1.example') && o.has('parent.example'));
    for (const name of ['good.example', 'x.good.example', '*.good.example', 'mail.isp.example.jp']) {
      assert.ok(!o.has(name), `${name} must never be published`);
    }
    assert.match(zone(), /^www\.parent\.example 300 IN CNAME rpz-passthru\.$/m);
    assert.match(zone(), /^bad1\.example 300 IN A 127\.0\.0\.1$/m);
    // Publishing the same thing again is not a new version.
    assert.match(cli(['enforce', 'publish']).stdout, /unchanged \(version 1\)/);
  });

  test('a change removing 90% of entries is held, the live zone stays, diff shows it, approve applies it', () => {
    const before = zone();
    feed(bad(20));
    assert.equal(cli(['intel', 'fetch', 'mylist', '--json']).code, 0);
    const held = cli(['enforce', 'publish']);
    assert.equal(held.code, 3, held.stdout + held.stderr);
    assert.match(held.stdout, /rpz: version 2 HELD/);
    assert.equal(zone(), before, 'the held version must not reach the zone file');
    const status = cli(['enforce', 'status', '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(status.find((s) => s.point === 'rpz')?.live, 1);
    assert.equal(status.find((s) => s.point === 'rpz')?.pending, 'held v2');
    assert.ok(status.some((s) => s.alert === 'enforce.held' && s.subject === 'rpz'));
    const diff = JSON.parse(cli(['enforce', 'diff', 'rpz', '--json']).stdout) as Record<string, number>;
    assert.equal(diff.removed, 183); // 182 names and the address
    assert.equal(diff.added, 0);
    const approved = cli(['enforce', 'approve', 'rpz']);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /version 2 is live/);
    assert.ok(!owners().has('bad21.example') && owners().has('bad20.example'));
    const after = cli(['enforce', 'status', '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(!after.some((s) => s.alert && s.subject === 'rpz'), 'approving clears its alert');
    assert.ok(
      after.some((s) => s.alert === 'enforce.held' && s.subject === 'squid'),
      'the other points stay held',
    );
    assert.equal(cli(['enforce', 'approve', 'rpz']).code, 1, 'nothing is held any more');
  });

  test('resolver snippets name the zone and the primary', () => {
    assert.match(cli(['enforce', 'rpz', 'config', 'unbound']).stdout, /primary: 127\.0\.0\.1@5300/);
    assert.match(cli(['enforce', 'rpz', 'config', 'bind']).stdout, /primaries \{ 127\.0\.0\.1 port 5300; \}/);
    assert.match(cli(['enforce', 'rpz', 'config', 'powerdns']).stdout, /rpzPrimary\(\{"127\.0\.0\.1:5300"\}/);
    assert.match(cli(['enforce', 'rpz', 'config', 'knot']).stdout, /rpz\.mizugiwa\.zone', true\)/);
    assert.equal(cli(['enforce', 'rpz', 'config', 'dnsmasq']).code, 1);
    // What the resolvers themselves say about the snippets, with a TSIG key and monitor mode on.
    const tsig = join(cwd, 'tsig.yaml');
    writeFileSync(
      tsig,
      'enforce:\n  monitor: true\n  rpz:\n    tsig: {name: mizugiwa-rpz, secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="}\n',
    );
    const bind = cli(['enforce', 'rpz', 'config', 'bind', '--config', tsig]).stdout;
    assert.match(bind, /policy disabled/);
    assert.match(bind, /key "mizugiwa-rpz"/);
    if (!missingProgram('/usr/bin/named-checkconf', 'bind9-utils')) {
      writeFileSync(join(cwd, 'named.conf'), bind.replace('options {', `options {\n    directory "${cwd}";`));
      const checked = spawnSync('/usr/bin/named-checkconf', [join(cwd, 'named.conf')], { encoding: 'utf8' });
      assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    }
    const unbound = cli(['enforce', 'rpz', 'config', 'unbound', '--config', tsig]).stdout;
    assert.match(unbound, /^ {4}rpz-action-override: passthru$/m);
    if (!missingProgram('/usr/sbin/unbound-checkconf', 'unbound')) {
      writeFileSync(
        join(cwd, 'unbound.conf'),
        unbound.replace('server:', `server:\n    directory: "${cwd}"\n    chroot: ""`),
      );
      const checked = spawnSync('/usr/sbin/unbound-checkconf', [join(cwd, 'unbound.conf')], { encoding: 'utf8' });
      assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    }
    const unknown = cli(['enforce', 'diff', 'bgp']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no enforcement point "bgp"; the points are rpz, squid, nftables, postfix/);
  });
});

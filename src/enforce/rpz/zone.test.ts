import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSchema } from '../../config/schema.js';
import type { PolicyEntry, PolicySnapshot } from '../snapshot.js';
import { ipTriggerLabel } from './ip-trigger.js';
import { parseZoneText, renderZone, zoneText } from './zone.js';

const enforce = (over: Record<string, unknown> = {}) => configSchema.parse({ enforce: over }).enforce;
const entry = (type: PolicyEntry['type'], value: string, action: PolicyEntry['action'] = 'block'): PolicyEntry => ({
  type,
  value,
  action,
  categories: ['c2'],
  sources: ['s'],
});
const snapshot = (entries: PolicyEntry[], extra: Partial<PolicySnapshot> = {}): PolicySnapshot => ({
  point: 'rpz',
  entries,
  passthru: [],
  restrictedClients: [],
  ...extra,
});
const lines = (text: string) => text.split('\n').filter((l) => / IN (A|AAAA|CNAME) /.test(l));

describe('rpz-ip trigger names', () => {
  test('IPv4 octets reversed after the prefix length; a bare address is a /32', () => {
    assert.equal(ipTriggerLabel('192.0.2.1'), '32.1.2.0.192');
    assert.equal(ipTriggerLabel('198.51.100.0/24'), '24.0.100.51.198');
  });
  test('IPv6 words reversed, the longest zero run as zz, no leading zeros', () => {
    assert.equal(ipTriggerLabel('2001:db8::1'), '128.1.zz.db8.2001');
    assert.equal(ipTriggerLabel('2001:db8::/32'), '32.zz.db8.2001');
    assert.equal(ipTriggerLabel('2001:db8:0:1::/64'), '64.zz.1.0.db8.2001');
    // Two zero runs: the longer one is zz, the shorter stays as zeros.
    assert.equal(ipTriggerLabel('2001:0:0:1:0:0:0:1'), '128.1.zz.1.0.0.2001');
    assert.equal(ipTriggerLabel('2001:db8:1:2:3:4:5:6'), '128.6.5.4.3.2.1.db8.2001');
  });
});

describe('renderZone', () => {
  test('a domain gets the name and its wildcard, redirected to the sinkhole addresses', () => {
    const zone = renderZone(snapshot([entry('domain', 'evil.example')]), enforce(), 7);
    assert.deepEqual(lines(zoneText(zone)), [
      '*.evil.example 300 IN A 127.0.0.1',
      '*.evil.example 300 IN AAAA ::1',
      'evil.example 300 IN A 127.0.0.1',
      'evil.example 300 IN AAAA ::1',
    ]);
    assert.equal(zone.soa.serial, 7);
  });
  test('each action has its RPZ target; IP triggers never redirect', () => {
    const s = snapshot([entry('domain', 'a.example'), entry('cidr', '203.0.113.0/24'), entry('ipv6', '2001:db8::1')]);
    const cases = { nxdomain: 'CNAME .', nodata: 'CNAME *.', drop: 'CNAME rpz-drop.' } as const;
    for (const [action, target] of Object.entries(cases)) {
      const text = zoneText(renderZone(s, enforce({ rpz: { action } }), 1));
      assert.match(text, new RegExp(`^a\\.example 300 IN ${target.replace(/[.*]/g, '\\$&')}$`, 'm'), action);
    }
    const redirect = zoneText(renderZone(s, enforce(), 1));
    assert.match(redirect, /^24\.0\.113\.0\.203\.rpz-ip 300 IN CNAME \.$/m);
    assert.match(redirect, /^128\.1\.zz\.db8\.2001\.rpz-ip 300 IN CNAME \.$/m);
    const cname = zoneText(renderZone(s, enforce({ rpz: { sinkhole: { cname: 'sinkhole.isp.example' } } }), 1));
    assert.match(cname, /^a\.example 300 IN CNAME sinkhole\.isp\.example\.$/m);
    assert.doesNotMatch(zoneText(renderZone(s, enforce({ rpz: { ip_triggers: false } }), 1)), /rpz-ip/);
  });
  test('monitor entries, and everything in monitor mode, are PASSTHRU (logged, not blocked)', () => {
    const s = snapshot([entry('domain', 'watch.example', 'monitor'), entry('domain', 'block.example')]);
    const text = zoneText(renderZone(s, enforce(), 1));
    assert.match(text, /^watch\.example 300 IN CNAME rpz-passthru\.$/m);
    assert.match(text, /^block\.example 300 IN A /m);
    for (const over of [{ monitor: true }, { rpz: { monitor: true } }]) {
      const shadow = lines(zoneText(renderZone(s, enforce(over), 1)));
      assert.ok(shadow.length > 0 && shadow.every((l) => l.endsWith('CNAME rpz-passthru.')), JSON.stringify(over));
    }
  });
  test('allowlisted names under a listed parent pass; restricted clients are client-ip triggers', () => {
    const s = snapshot([entry('domain', 'parent.example')], {
      passthru: ['www.parent.example'],
      restrictedClients: ['192.0.2.55/32'],
    });
    const text = zoneText(renderZone(s, enforce(), 1));
    assert.match(text, /^www\.parent\.example 300 IN CNAME rpz-passthru\.$/m);
    assert.match(text, /^\*\.www\.parent\.example 300 IN CNAME rpz-passthru\.$/m);
    assert.match(text, /^32\.55\.2\.0\.192\.rpz-client-ip 300 IN A 127\.0\.0\.1$/m);
  });
  test('a restricted client gets the sinkhole for every name, whatever the action for listed names', () => {
    const s = snapshot([entry('domain', 'evil.example')], { restrictedClients: ['192.0.2.55', '2001:db8:1200::/56'] });
    const text = zoneText(renderZone(s, enforce({ rpz: { action: 'nxdomain', sinkhole: { a: '192.0.2.80' } } }), 1));
    assert.match(text, /^evil\.example 300 IN CNAME \.$/m, 'listed names keep their action');
    assert.match(text, /^32\.55\.2\.0\.192\.rpz-client-ip 300 IN A 192\.0\.2\.80$/m);
    assert.match(text, /^56\.zz\.1200\.db8\.2001\.rpz-client-ip 300 IN A 192\.0\.2\.80$/m);
    // Both families of the sinkhole by default; a CNAME only when no address is configured.
    const both = lines(zoneText(renderZone(s, enforce(), 1))).filter((l) => l.includes('rpz-client-ip'));
    assert.deepEqual(
      both.filter((l) => l.startsWith('32.55.')),
      ['32.55.2.0.192.rpz-client-ip 300 IN A 127.0.0.1', '32.55.2.0.192.rpz-client-ip 300 IN AAAA ::1'],
    );
    const named = zoneText(renderZone(s, enforce({ rpz: { sinkhole: { cname: 'notice.isp.example.' } } }), 1));
    assert.match(named, /^32\.55\.2\.0\.192\.rpz-client-ip 300 IN CNAME notice\.isp\.example\.$/m);
    // In monitor mode the trigger only logs.
    const shadow = zoneText(renderZone(s, enforce({ rpz: { monitor: true } }), 1));
    assert.match(shadow, /^32\.55\.2\.0\.192\.rpz-client-ip 300 IN CNAME rpz-passthru\.$/m);
  });
  test('deterministic: the same snapshot in any order gives the same bytes, and the text reads back', () => {
    const entries = ['b.example', 'a.example', 'c.example'].map((d) => entry('domain', d));
    const one = zoneText(renderZone(snapshot(entries), enforce(), 3));
    const two = zoneText(renderZone(snapshot([...entries].reverse()), enforce(), 3));
    assert.equal(one, two);
    const zone = renderZone(snapshot(entries), enforce(), 3);
    assert.deepEqual(parseZoneText(zoneText(zone)), zone);
    assert.throws(() => parseZoneText('$ORIGIN x.\nfoo bar\n'), /line 2 is not one Mizugiwa writes/);
  });
});

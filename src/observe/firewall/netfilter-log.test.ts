import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { configSchema } from '../../config/schema.js';
import type { Observation } from '../../domain/observation.js';
import { renderNftables } from '../../enforce/nftables.js';
import type { LineContext } from '../line-format.js';
import { localTimeIn } from '../local-time.js';
import { netfilterLog } from './netfilter-log.js';
import { mutations, truncations } from '../line-mutations.test-support.js';

// Fixtures:
//   dmesg.txt    real kernel output, captured with `dmesg` on Linux 6.18 while traffic went through three
//                network namespaces (client → router → server): on the router, the rules Mizugiwa renders
//                (forward: "mizugiwa drop " for blocked address.port, "mizugiwa monitor " for watched
//                addresses; output: a drop), on the server operator-style rules (`log prefix "FW-REJECT: "`
//                with reject, `"Blocked SSH:" flags all`, `"accept-snmp"` without a trailing space,
//                ICMP and ICMPv6 echo, an ICMP port-unreachable quoting the UDP packet it answers, ARP).
//                Lines end with the space the kernel writes. The first three are ordinary kernel messages.
//   syslog.txt   the same lines as rsyslog's imklog files them (`Nov 24 21:36:59 gw kernel: [ 448.58…] …`),
//   journal.txt  and as `journalctl -k -o short-iso` / `-o short-precise` print them (no uptime stamp).
//                No syslog daemon or journald runs in the sandbox the capture was made in, so these two
//                stamps were put on the captured messages by hand (boot at 21:29:31 UTC); the messages
//                themselves are the captured ones.

const ctx: LineContext = { now: Date.UTC(2026, 10, 25, 0, 0, 0), localTime: localTimeIn('UTC') };
const lines = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .slice(0, -1);

type Packet = Omit<Observation, 'time' | 'point'>;
const packet =
  (client: string, clientPort: number | undefined, dst: string, port: number | undefined) =>
  (detail: string, blocked: boolean): Packet => ({
    client,
    ...(clientPort === undefined ? {} : { clientPort }),
    addresses: [dst],
    ...(port === undefined ? {} : { port }),
    detail,
    blocked,
  });
const v4 = (spt: number | undefined, dpt: number | undefined) => packet('10.0.0.5', spt, '203.0.113.9', dpt);
const v6 = (spt: number | undefined, dpt: number | undefined) => packet('2001:db8:a::5', spt, '2001:db8:b::9', dpt);

/** What each line of dmesg.txt says, in order (null: not a packet log). */
const DMESG: (Packet | null)[] = [
  null,
  null,
  null,
  v4(48522, 443)('TCP SYN (mizugiwa drop)', true),
  v4(38560, 8080)('TCP SYN (mizugiwa monitor)', false),
  v4(38560, 8080)('TCP SYN ([nft] allow web)', false),
  v4(33005, 53)('UDP (mizugiwa monitor)', false),
  v4(39794, 161)('UDP (mizugiwa monitor)', false),
  v4(39794, 161)('UDP (accept-snmp)', false),
  v4(48328, 25)('TCP SYN (mizugiwa monitor)', false),
  v4(48328, 25)('TCP SYN (FW-REJECT)', true),
  v4(55680, 22)('TCP SYN (mizugiwa monitor)', false),
  v4(55680, 22)('TCP SYN (Blocked SSH)', true),
  v6(44328, 443)('TCP SYN (mizugiwa drop)', true),
  v6(54532, 53)('UDP (mizugiwa monitor)', false),
  v4(undefined, undefined)('ICMP 8/0 (mizugiwa monitor)', false),
  v4(undefined, undefined)('ICMP 8/0 (ping-in)', false),
  v6(undefined, undefined)('ICMPv6 128/0 (mizugiwa monitor)', false),
  v6(undefined, undefined)('ICMPv6 128/0 (ping6-in)', false),
  packet('203.0.113.1', undefined, '198.51.100.7', undefined)('ICMP 8/0 (mizugiwa drop)', true),
  v4(59444, 7777)('UDP (mizugiwa monitor)', false),
  // The port-unreachable's own addresses, not those of the UDP packet it quotes in [...].
  packet('203.0.113.9', undefined, '10.0.0.5', undefined)('ICMP 3/3 (icmp-out)', false),
  v6(45636, 7777)('UDP (mizugiwa monitor)', false),
  null, // ARP
];

/** The wall-clock seconds of dmesg.txt's lines as syslog.txt and journal.txt stamp them. */
// prettier-ignore
const SECONDS = [
  '21:29:32', '21:29:32', '21:36:44', '21:36:59', '21:37:00', '21:37:00', '21:37:00', '21:37:00', '21:37:00',
  '21:37:00', '21:37:00', '21:37:00', '21:37:00', '21:37:01', '21:37:02', '21:37:10', '21:37:10', '21:37:10',
  '21:37:10', '21:37:10', '21:37:20', '21:37:20', '21:37:20', '21:37:26',
];
const at = (hms: string, ms = 0) => Date.parse(`2026-11-24T${hms}Z`) + ms;

const parse = (line: string) => netfilterLog.parseLine(line, ctx);
const withTime = (expected: Packet | null, time: number): Observation | null =>
  expected && { time, point: 'firewall', ...expected };

describe('netfilter LOG lines', () => {
  test('dmesg output: every line read as captured; no wall time in it, so ctx.now', () => {
    const got = lines('dmesg.txt').map(parse);
    assert.deepEqual(
      got,
      DMESG.map((e) => withTime(e, ctx.now)),
    );
  });

  test('rsyslog files: the syslog stamp is the time, other programs are null', () => {
    const got = lines('syslog.txt').map(parse);
    const sshd = got.splice(5, 1)[0];
    assert.equal(sshd, null, 'sshd line');
    assert.deepEqual(
      got,
      DMESG.map((e, i) => withTime(e, at(SECONDS[i]!))),
    );
  });

  test('journalctl short-iso and short-precise (no uptime stamp)', () => {
    const fractions = lines('dmesg.txt').map((l) => Number(/\.(\d{3})/.exec(l)![1]));
    const got = lines('journal.txt').map(parse);
    // Odd lines are short-precise: their microseconds come through (as whole ms).
    assert.deepEqual(
      got,
      DMESG.map((e, i) => withTime(e, at(SECONDS[i]!, i % 2 === 1 ? fractions[i]! : 0))),
    );
  });

  test("the prefixes Mizugiwa's own nftables rules write map to blocked and not blocked", () => {
    const config = configSchema.parse({ enforce: { nftables: { enabled: true, log: true } } });
    const entry = (action: 'block' | 'monitor') => ({
      type: 'ipv4' as const,
      value: '192.0.2.1',
      action,
      categories: ['c2' as const],
      sources: ['t'],
    });
    const script = renderNftables(
      { point: 'nftables', entries: [entry('block'), entry('monitor')], passthru: [], restrictedClients: [] },
      config.enforce,
    );
    const prefixes = [...new Set([...script.matchAll(/log prefix "([^"]*)"/g)].map((m) => m[1]!))].sort();
    assert.deepEqual(prefixes, ['mizugiwa drop ', 'mizugiwa monitor ']);
    const blocked = prefixes.map((p) => {
      const o = parse(`[1.000000] ${p}IN=eth0 OUT=eth1 SRC=192.0.2.1 DST=10.0.0.1 LEN=40 PROTO=TCP SPT=1 DPT=2 SYN`);
      return typeof o === 'object' && o !== null && o.blocked;
    });
    assert.deepEqual(blocked, [true, false]);
  });

  test('prefixes with drop, reject, block or deny in them (any case) mean blocked; others and none do not', () => {
    const blocked = (prefix: string) => {
      const o = parse(`${prefix}IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.1 LEN=40 PROTO=UDP SPT=1 DPT=2 LEN=20`);
      assert.ok(o && typeof o === 'object', prefix);
      return o.blocked;
    };
    assert.equal(blocked('mizugiwa-drop '), true);
    assert.equal(blocked('[UFW BLOCK] '), true);
    assert.equal(blocked('IPTABLES-REJECT: '), true);
    assert.equal(blocked('deny-in '), true);
    assert.equal(blocked('[UFW ALLOW] '), false);
    assert.equal(blocked('accept '), false);
    assert.equal(blocked(''), false);
  });

  test('the example line of the design brief, and a bare message (journalctl -o cat)', () => {
    const line =
      '[12345.678901] mizugiwa-drop IN=eth0 OUT=eth1 MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=10.0.0.5 ' +
      'DST=203.0.113.9 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=1 DF PROTO=TCP SPT=40000 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0';
    const expected: Observation = {
      time: ctx.now,
      point: 'firewall',
      client: '10.0.0.5',
      clientPort: 40000,
      addresses: ['203.0.113.9'],
      port: 443,
      detail: 'TCP SYN (mizugiwa-drop)',
      blocked: true,
    };
    assert.deepEqual(parse(line), expected);
    assert.deepEqual(parse(line.slice(line.indexOf(' ') + 1)), expected);
  });

  test('dmesg -T stamps are local wall time (the input zone)', () => {
    const tokyo: LineContext = { now: ctx.now, localTime: localTimeIn('Asia/Tokyo') };
    const o = netfilterLog.parseLine(
      '[Tue Nov 24 21:45:05 2026] x-drop IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.1 LEN=84 PROTO=ICMP TYPE=0 CODE=0 ID=1 SEQ=1',
      tokyo,
    );
    assert.ok(o && typeof o === 'object');
    assert.equal(new Date(o.time).toISOString(), '2026-11-24T12:45:05.000Z');
    assert.equal(o.detail, 'ICMP 0/0 (x-drop)');
  });

  test('TCP flags past the SYN, other protocols, ports the line does not have', () => {
    const o = parse(
      '[1.0] f IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.1 LEN=40 PROTO=TCP SPT=443 DPT=5000 WINDOW=0 RES=0x00 ACK RST URGP=0',
    );
    assert.ok(o && typeof o === 'object');
    assert.equal(o.detail, 'TCP ACK RST (f)');
    const gre = parse('[1.0] IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=0 PROTO=47');
    assert.deepEqual(gre, {
      time: ctx.now,
      point: 'firewall',
      client: '192.0.2.1',
      addresses: ['10.0.0.1'],
      detail: 'proto 47',
      blocked: false,
    });
  });

  test('a packet log without its addresses is a reason; not a packet log is null', () => {
    assert.equal(typeof parse('[1.0] drop IN=eth0 OUT= MAC=00:11 LEN=60 PROTO=TCP SPT=1 DPT=2'), 'string');
    assert.equal(typeof parse('[1.0] drop IN=eth0 OUT= SRC=10.0.0.5 LEN=60'), 'string');
    assert.equal(typeof parse('[1.0] drop IN=eth0 OUT= SRC=10.0.0.999 DST=10.0.0.1 LEN=60'), 'string');
    assert.equal(typeof parse('[1.0] drop IN=eth0 OUT= SRC=10.0.0.5 DST=not-an-address LEN=60'), 'string');
    assert.equal(parse(''), null);
    assert.equal(parse('[  2.5] usb 1-1: new high-speed USB device number 2 using xhci_hcd'), null);
    assert.equal(parse('Nov 24 10:00:00 gw kernel: [  2.5] eth0: link up'), null);
    assert.equal(parse('Nov 24 10:00:00 gw nft-helper: x IN=eth0 OUT= SRC=10.0.0.5 DST=10.0.0.1'), null);
  });
});

describe('netfilter LOG lines, damaged', () => {
  const all = [...lines('dmesg.txt'), ...lines('syslog.txt'), ...lines('journal.txt')];
  const check = (line: string) => {
    const r = parse(line);
    if (r === null || typeof r === 'string') return;
    assert.equal(r.point, 'firewall');
    assert.ok(Number.isFinite(r.time) && r.client !== '' && r.addresses?.length === 1, line);
  };

  test('every truncation of every fixture line is read without throwing', () => {
    for (const line of truncations(all)) check(line);
  });

  test('random byte changes, deletions and insertions never throw', () => {
    for (const line of mutations(all, {
      seed: 20261124,
      rounds: 20_000,
      alphabet: ' =[]:.IN=OUT=SRC=DST=PROTO=SPT=DPT=0123456789abcdef\u0000\u00e9\ufffd',
    }))
      check(line);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { xarfFormat } from './xarf.js';
import { readV4Report, utcTime } from './xarf-v4.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/xarf/${name}`, import.meta.url)));
const json = (name: string) => JSON.parse(new TextDecoder().decode(fixture(name))) as Record<string, unknown>;

async function* chunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
async function parse(name: string, size = 1 << 20): Promise<(AbuseEvent | Rejected)[]> {
  const out: (AbuseEvent | Rejected)[] = [];
  const ctx = { source: 'test', input: name, now: new Date('2026-11-21T00:00:00Z') };
  for await (const r of xarfFormat.parse(chunks(fixture(name), size), ctx)) out.push(r);
  return out;
}
async function one(name: string): Promise<AbuseEvent> {
  const out = await parse(name);
  assert.equal(out.length, 1);
  assert.ok(!isRejected(out[0]), isRejected(out[0]) ? out[0].reason : '');
  return out[0] as AbuseEvent;
}
async function rejectedOnly(name: string): Promise<Rejected> {
  const out = await parse(name);
  assert.equal(out.length, 1);
  assert.ok(isRejected(out[0]), 'expected a Rejected');
  return out[0] as Rejected;
}
const reason = (reading: ReturnType<typeof readV4Report>) => ('reason' in reading ? reading.reason : undefined);

test('connection/login_attack: the event, with source port, destination, time in UTC and the rest as detail', async () => {
  const log =
    'Nov 20 07:58:03 hp1 sshd[4021]: Failed password for root from 203.0.113.45 port 51234 ssh2\n' +
    'Nov 20 08:15:42 hp1 sshd[4388]: Failed password for admin from 203.0.113.45 port 51234 ssh2\n';
  const evidence = json('v4-connection-login-attack.json').evidence as { payload: string }[];
  assert.equal(Buffer.from(evidence[0]!.payload, 'base64').toString(), log);
  assert.deepEqual(await one('v4-connection-login-attack.json'), {
    type: 'brute-force',
    identifier: 'login_attack',
    time: '2026-11-20T08:15:42.000Z',
    source: { address: '203.0.113.45', port: 51234 },
    destination: { address: '198.51.100.20', port: 22 },
    protocol: 'tcp',
    reporter: 'shield.example.com',
    reportType: 'xarf:connection/login_attack',
    evidence: 'v4-connection-login-attack.json',
    detail: {
      xarf_version: '4.2.0',
      report_id: '6f1c2a9e-5b7d-4e3a-9c21-8d4f0b7a13e5',
      'reporter.org': 'Example Shield Network',
      'reporter.contact': 'abuse-reports@shield.example.com',
      'sender.org': 'Example Shield Network',
      'sender.contact': 'abuse-reports@shield.example.com',
      'sender.domain': 'shield.example.com',
      evidence_source: 'honeypot',
      first_seen: '2026-11-20T07:58:03Z',
      last_seen: '2026-11-20T08:15:42Z',
      service: 'ssh',
      attempt_count: '412',
      username_patterns: 'root, admin, ubuntu',
      confidence: '0.95',
      tags: 'service:ssh, attack:brute_force',
      'evidence.0.content_type': 'text/plain',
      'evidence.0.description': 'sshd authentication failures',
      'evidence.0.hash': 'sha256:bc9b08893829e350282fe3ffe7fbba969de24c37e6878733c74d56088663551f',
    },
  });
});

test('each of the seven categories opens its RSIT class', async () => {
  const cases: [string, Partial<AbuseEvent>][] = [
    [
      'v4-messaging-spam.json',
      {
        type: 'spam',
        reportType: 'xarf:messaging/spam',
        time: '2026-11-19T13:03:11.000Z', // written +09:00
        source: { address: '2001:db8::25', port: 40122 }, // written 2001:DB8:0:0:0:0:0:25
        protocol: 'smtp',
        reporter: 'trap.example.net',
      },
    ],
    [
      'v4-connection-login-attack.json',
      { type: 'brute-force', reportType: 'xarf:connection/login_attack', reporter: 'shield.example.com' },
    ],
    [
      'v4-content-phishing.json',
      {
        type: 'phishing',
        reportType: 'xarf:content/phishing',
        source: {
          address: '198.51.100.77',
          url: 'http://login-bank.example.jp/secure/verify.php',
          hostname: 'login-bank.example.jp',
        },
        // the complainant, not the takedown service that sent the report
        reporter: 'bank.example.com',
      },
    ],
    [
      'v4-infrastructure-botnet.json',
      { type: 'infected-system', reportType: 'xarf:infrastructure/botnet', reporter: 'sinkhole.example.org' },
    ],
    [
      'v4-copyright-p2p.json',
      {
        type: 'copyright',
        reportType: 'xarf:copyright/p2p',
        source: { address: '203.0.113.88', port: 6881 },
        protocol: 'bittorrent',
        reporter: 'pictures.example.com',
      },
    ],
    [
      'v4-vulnerability-open-service.json',
      {
        type: 'potentially-unwanted-accessible',
        reportType: 'xarf:vulnerability/open_service',
        reporter: 'scan.example.org',
      },
    ],
    [
      'v4-reputation-blocklist.json',
      { type: 'undetermined', reportType: 'xarf:reputation/blocklist', reporter: 'rbl.example.net', needsReview: true },
    ],
  ];
  for (const [name, expected] of cases) {
    const event = await one(name);
    for (const [key, value] of Object.entries(expected))
      assert.deepEqual(event[key as keyof AbuseEvent], value, `${name}: ${key}`);
    if (expected.needsReview === undefined) assert.equal(event.needsReview, undefined, `${name}: needsReview`);
  }
  assert.equal((await one('v4-reputation-blocklist.json')).detail!.threat_type, 'spam_source');
});

test('the same event whatever the chunking of the input', async () => {
  const whole = await parse('v4-copyright-p2p.json');
  assert.deepEqual(await parse('v4-copyright-p2p.json', 7), whole);
});

test('detail: nested objects by dots, evidence payloads and _internal left out, mapped fields not repeated', () => {
  const report = json('v4-infrastructure-botnet.json');
  report._internal = { ticket: 'ABUSE-1234' };
  report.evidence = [{ content_type: 'text/plain', payload: 'bG9n', description: 'beacon log' }];
  report.c2_servers = [{ address: 'c2.example.org', port: 443 }];
  const event = readV4Report(report, 'r.json') as AbuseEvent;
  const detail = event.detail!;
  assert.equal(detail['evidence.0.description'], 'beacon log');
  assert.equal(detail['c2_servers.0.address'], 'c2.example.org');
  assert.equal(detail['c2_servers.0.port'], '443');
  assert.equal(detail.bot_capabilities, 'ddos, proxy');
  for (const key of Object.keys(detail)) {
    assert.ok(!key.startsWith('_internal'), key);
    assert.ok(!key.endsWith('payload'), key);
  }
  for (const key of ['source_identifier', 'source_port', 'destination_ip', 'timestamp', 'category', 'type'])
    assert.equal(detail[key], undefined, key);
  assert.equal(detail['reporter.domain'], undefined);
  assert.equal(detail['reporter.contact'], 'reports@sinkhole.example.org');
});

test('wrong field types: every problem with its JSON path and the value found', async () => {
  const r = await rejectedOnly('v4-wrong-types.json');
  assert.equal(
    r.reason,
    'XARF v4 connection/ddos: source_port: expected a port number from 1 to 65535, got 70000; ' +
      'destination_port: expected a port number from 1 to 65535, got "80"; ' +
      'protocol: missing (required for connection/ddos reports); ' +
      'first_seen: expected an ISO 8601 date-time with a zone (2026-11-20T08:15:00Z), got "yesterday"',
  );
  assert.equal(r.position, 'v4-wrong-types.json');
  assert.deepEqual(new Uint8Array(r.raw), fixture('v4-wrong-types.json'));

  const report = json('v4-connection-login-attack.json');
  (report.evidence as Record<string, unknown>[])[0]!.payload = 42;
  (report.reporter as Record<string, unknown>).contact = undefined;
  assert.equal(
    reason(readV4Report(report, 'r.json')),
    'XARF v4 connection/login_attack: reporter.contact: missing (required for connection/login_attack reports); ' +
      'evidence[0].payload: expected a base64 string, got 42',
  );
});

test('type-specific required fields', () => {
  const base = json('v4-vulnerability-open-service.json');
  delete base.service_port;
  assert.equal(
    reason(readV4Report({ ...base, type: 'cve', cve_id: 'Log4Shell' }, 'r.json')),
    'XARF v4 vulnerability/cve: cve_id: expected CVE-YYYY-NNNNN, got "Log4Shell"; ' +
      'service_port: missing (required for vulnerability/cve reports)',
  );
  assert.ok(!('reason' in readV4Report({ ...base, type: 'cve', cve_id: 'CVE-2026-12345', service_port: 6379 }, 'r')));

  const p2p = json('v4-copyright-p2p.json');
  p2p.swarm_info = { torrent_name: 'Example.Movie.2026.1080p' };
  assert.equal(
    reason(readV4Report(p2p, 'r.json')),
    'XARF v4 copyright/p2p: swarm_info: expected info_hash or magnet_uri, got {"torrent_name":"Example.Movie.2026.1080p"}',
  );

  const spam = json('v4-messaging-spam.json');
  delete spam.smtp_from;
  assert.equal(
    reason(readV4Report(spam, 'r.json')),
    'XARF v4 messaging/spam: smtp_from: missing (required when protocol is smtp)',
  );
  assert.ok(!('reason' in readV4Report({ ...spam, protocol: 'sms' }, 'r.json')));

  const phishing = json('v4-content-phishing.json');
  delete phishing.url;
  assert.equal(
    reason(readV4Report(phishing, 'r.json')),
    'XARF v4 content/phishing: url: missing (required for content/phishing reports)',
  );
});

test('a timestamp without a zone is not a time', () => {
  const report = { ...json('v4-messaging-spam.json'), timestamp: '2026-11-19T22:03:11' };
  assert.equal(
    reason(readV4Report(report, 'r.json')),
    'XARF v4 messaging/spam: timestamp: expected an ISO 8601 date-time with a zone (2026-11-20T08:15:00Z), got "2026-11-19T22:03:11"',
  );
});

test('unknown class, unknown version, no source address and broken JSON are rejected with the file as raw', async () => {
  const unknownClass = await rejectedOnly('v4-unknown-class.json');
  assert.equal(
    unknownClass.reason,
    'unknown class: category "hosting" is not one of messaging, connection, content, infrastructure, copyright, vulnerability, reputation (XARF v4 categories)',
  );
  const unknownVersion = await rejectedOnly('v4-unknown-version.json');
  assert.equal(unknownVersion.reason, 'unknown version: xarf_version "5.0.0" is not 4.x.y (XARF v4)');
  const noAddress = await rejectedOnly('v4-domain-source.json');
  assert.match(
    noAddress.reason,
    /^no source address: source_identifier "secure-login\.example\.jp" is not an IP address/,
  );
  const truncated = await rejectedOnly('v4-truncated.json');
  assert.equal(truncated.reason, 'invalid JSON at byte 547 (line 19, column 28): Unterminated string');
  assert.equal(truncated.position, 'v4-truncated.json@547');
  for (const [r, name] of [
    [unknownClass, 'v4-unknown-class.json'],
    [unknownVersion, 'v4-unknown-version.json'],
    [noAddress, 'v4-domain-source.json'],
    [truncated, 'v4-truncated.json'],
  ] as const)
    assert.deepEqual(new Uint8Array(r.raw), fixture(name));
});

test('a 4.0 draft: "class" for category, an older type name, a reporter without domain', async () => {
  const event = await one('v4-draft-class.json');
  assert.equal(event.type, 'infected-system');
  assert.equal(event.reportType, 'xarf:infrastructure/bot');
  assert.equal(event.reporter, 'Example Botnet Watch');
  assert.equal(event.detail!['reporter.contact'], 'research@botwatch.example.org');
  assert.equal(event.needsReview, undefined);
});

test('a type the table does not know: the category fallback, for a person to review', async () => {
  const event = await one('v4-unknown-type.json');
  assert.equal(event.type, 'undetermined');
  assert.equal(event.identifier, 'credential_stuffing');
  assert.equal(event.needsReview, true);
  assert.deepEqual(event.destination, { port: 443 });
});

test('a type named like an Object property is no table entry', () => {
  for (const type of ['constructor', 'toString', '__proto__']) {
    const event = readV4Report({ ...json('v4-infrastructure-botnet.json'), type }, 'r.json') as AbuseEvent;
    assert.equal(event.type, 'infected-system', type); // the category's fallback
    assert.equal(event.needsReview, true, type);
  }
});

test('types spelled with hyphens (the 4.0.0 release notes) read as the schemas spell them', () => {
  const report = { ...json('v4-connection-login-attack.json'), type: 'Login-Attack' };
  const event = readV4Report(report, 'r.json') as AbuseEvent;
  assert.equal(event.type, 'brute-force');
  assert.equal(event.reportType, 'xarf:connection/login_attack');
});

test('a mail with xarf.json attached, and a mail whose body is the JSON (signature after it)', async () => {
  const attached = await one('v4-json-attachment.eml');
  assert.equal(attached.type, 'scanner');
  assert.equal(attached.evidence, 'message <xarf-8d0f2b4e-6c7a-4b9d-9f1e-4b6d8f0a2c5e@shield.example.com>');
  assert.deepEqual(attached.source, { address: '203.0.113.150', port: 43871 });
  assert.deepEqual(attached.destination, { address: '198.51.100.21', port: 23 });
  assert.equal(attached.detail!.targeted_ports, '23, 2323, 5555');

  const body = await one('v4-json-body.eml');
  assert.equal(body.type, 'ddos');
  assert.equal(body.reporter, 'hosting.example.net');
  assert.equal(body.evidence, 'message <9e1a3c5f-7d8b-4c0e-8a2f-5c7e9a1b3d6f@hosting.example.net>');
  assert.deepEqual(body.source, { address: '203.0.113.200', port: 53 });
});

test('utcTime: zones to UTC, fractions kept, impossible dates and zone-less times refused', () => {
  assert.equal(utcTime('2026-11-20T17:15:00+09:00'), '2026-11-20T08:15:00.000Z');
  assert.equal(utcTime('2026-11-20T08:15:00.25Z'), '2026-11-20T08:15:00.250Z');
  assert.equal(utcTime('2026-11-20T03:15-0500'), '2026-11-20T08:15:00.000Z');
  assert.equal(utcTime('2026-02-30T08:15:00Z'), undefined);
  assert.equal(utcTime('2026-11-20T24:00:00Z'), undefined);
  assert.equal(utcTime('2026-11-20T08:15:00'), undefined);
});

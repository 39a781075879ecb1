import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AbuseEvent } from '../../domain/abuse-event.js';
import { isRejected, type Rejected } from '../../domain/format.js';
import { xarfFormat } from './xarf.js';
import { readV3JsonReport, readV3Yaml, zonedTime } from './xarf-v3.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/xarf/${name}`, import.meta.url)));
const text = (name: string) => new TextDecoder().decode(fixture(name));

async function parseBytes(bytes: Uint8Array, input: string): Promise<(AbuseEvent | Rejected)[]> {
  const out: (AbuseEvent | Rejected)[] = [];
  const ctx = { source: 'test', input, now: new Date('2026-11-21T00:00:00Z') };
  async function* whole() {
    yield bytes;
  }
  for await (const r of xarfFormat.parse(whole(), ctx)) out.push(r);
  return out;
}
async function only(bytes: Uint8Array, input = 'mail.eml'): Promise<AbuseEvent | Rejected> {
  const out = await parseBytes(bytes, input);
  assert.equal(out.length, 1);
  return out[0]!;
}
function event(value: AbuseEvent | Rejected): AbuseEvent {
  assert.ok(!isRejected(value), isRejected(value) ? value.reason : '');
  return value as AbuseEvent;
}
/** A fixture mail with one line of its report.txt replaced (or removed, with ''). */
const edited = (name: string, line: RegExp, replacement: string) =>
  new TextEncoder().encode(text(name).replace(line, replacement));

// The report.txt of v3-login-attack.eml, for the cases read without a mail around them.
const loginAttackYaml = [
  'Reported-From: abuse-team@blocklist.example.net',
  'Category: abuse',
  'Report-Type: login-attack',
  'Service: ssh',
  'Date: Fri, 20 Nov 2026 09:30:17 +0100',
  'Source-Type: ip-address',
  'Source: 203.0.113.45',
  'Port: 22',
  'Schema-URL: http://www.x-arf.org/schema/abuse_login-attack_0.1.2.json',
].join('\n');
const yamlReason = (yaml: string) => {
  const reading = readV3Yaml(yaml, 'r');
  return 'reason' in reading ? reading.reason : undefined;
};

test('X-ARF 0.2 login-attack mail (X-XARF: PLAIN, three inline text parts): the event', async () => {
  assert.deepEqual(event(await only(fixture('v3-login-attack.eml'))), {
    type: 'brute-force',
    identifier: 'login-attack',
    time: '2026-11-20T08:30:17.000Z',
    source: { address: '203.0.113.45' },
    // X-ARF's Port is the attacked service on the reporter's side
    destination: { port: 22 },
    protocol: 'ssh',
    reporter: 'blocklist.example.net',
    reportType: 'xarf:abuse/login-attack',
    evidence: 'message <1763627752.48213907@blocklist.example.net>',
    detail: {
      'Reported-From': 'abuse-team@blocklist.example.net',
      Version: '0.2',
      'User-Agent': 'Fail2BanFeedBackScript blocklist.example.net V0.2',
      'Source-Type': 'ip-address',
      'Report-ID': '176362775248213907@blocklist.example.net',
      'Schema-URL': 'http://www.x-arf.org/schema/abuse_login-attack_0.1.2.json',
      Attachment: 'text/plain',
    },
  });
});

test('X-ARF malware-attack mail (X-ARF: YES, quoted-printable, report.txt attached, YAML ---): destination and zone', async () => {
  const e = event(await only(fixture('v3-malware-attack.eml')));
  assert.equal(e.type, 'infected-system');
  assert.equal(e.reportType, 'xarf:abuse/malware-attack');
  assert.equal(e.time, '2026-11-20T01:05:33.000Z');
  assert.deepEqual(e.source, { address: '203.0.113.99' });
  assert.deepEqual(e.destination, { address: '192.0.2.201', port: 445 });
  assert.equal(e.protocol, 'smb');
  assert.equal(e.reporter, 'cert.example.org');
  assert.equal(e.detail!.Occurrences, '17');
  assert.equal(e.detail!['Destination-Type'], 'ipv4');
  assert.equal(e.needsReview, undefined);
});

test('without Reported-From the reporter is the mail’s From domain', async () => {
  const mail = edited('v3-login-attack.eml', /^Reported-From: .*\r\n/m, '');
  const e = event(await only(mail));
  assert.equal(e.reporter, 'blocklist.example.net');
  assert.equal(e.detail!['Reported-From'], undefined);
  const other = edited('v3-login-attack.eml', /^Reported-From: .*$/m, 'Reported-From: fail2ban@host1.example.com');
  assert.equal(event(await only(other)).reporter, 'host1.example.com');
});

test('broken YAML: rejected with line and column, the whole mail as raw', async () => {
  const r = await only(fixture('v3-broken-yaml.eml'));
  assert.ok(isRejected(r));
  assert.equal(
    r.reason,
    'report.txt is not valid YAML at line 11, column 12: Plain value cannot start with reserved character @; fields are written one per line as Key: value',
  );
  assert.equal(r.position, 'message <1763627900.51120034@blocklist.example.net>');
  assert.deepEqual(new Uint8Array(r.raw), fixture('v3-broken-yaml.eml'));
});

test('a URL source: its IP host is the address; a host name is no source address', async () => {
  const r = await only(fixture('v3-phishing-hostname.eml'));
  assert.ok(isRejected(r));
  assert.equal(
    r.reason,
    'no source address: Source "http://secure-login.example.jp/bank/login.php" (Source-Type "uri") names no IP address, so the report cannot be attributed to a subscriber',
  );
  const withIp = edited('v3-phishing-hostname.eml', /secure-login\.example\.jp\/bank/, '[2001:db8::80]/bank');
  const e = event(await only(withIp));
  assert.equal(e.type, 'phishing');
  assert.deepEqual(e.source, { address: '2001:db8::80', url: 'http://[2001:db8::80]/bank/login.php' });
  assert.equal(e.reporter, 'blocklist.example.net');
});

test('unknown category, missing and wrong fields, dates without a zone', () => {
  assert.equal(
    yamlReason(loginAttackYaml.replace('Category: abuse', 'Category: complaint')),
    'unknown class: Category "complaint" is not one of abuse, fraud, info (X-ARF 0.2 categories)',
  );
  assert.equal(
    yamlReason(loginAttackYaml.replace('Source: 203.0.113.45\n', '').replace('Port: 22', 'Port: ssh')),
    'X-ARF report.txt: Source: missing (required for X-ARF reports); Port: expected a port number from 0 to 65535, got "ssh"',
  );
  assert.equal(
    yamlReason(loginAttackYaml.replace('Source: 203.0.113.45', 'Source: 203.0.113.450')),
    'Source "203.0.113.450" is not an IP address (Source-Type "ip-address")',
  );
  assert.equal(
    yamlReason(loginAttackYaml.replace(/^Date: .*$/m, 'Date: 2026-11-20 09:30:17')),
    'Date "2026-11-20 09:30:17" is not a date-time with a zone; expected RFC 2822 ("Fri, 20 Nov 2026 17:15:00 +0900") or ISO 8601 ("2026-11-20T08:15:00Z")',
  );
  assert.equal(yamlReason('just a sentence'), 'report.txt is "just a sentence", not Key: value fields');
  assert.match(yamlReason(loginAttackYaml.replace('Category: abuse', 'Category: constructor'))!, /^unknown class: /);
  const odd = readV3Yaml(loginAttackYaml.replace('login-attack', 'toString'), 'r') as AbuseEvent;
  assert.equal(odd.type, 'undetermined');
  assert.equal(odd.needsReview, true);
  assert.equal(
    yamlReason(loginAttackYaml.replace('Reported-From: abuse-team@blocklist.example.net\n', '')),
    'no reporter: the report has no Reported-From and the mail no From address',
  );
});

test('field names in any case; a quoted port; unknown report types and DNSBL notices go to review', () => {
  const shouting = loginAttackYaml.replace('Report-Type:', 'REPORT-TYPE:').replace('Port: 22', "port: '22'");
  const e = readV3Yaml(shouting, 'r') as AbuseEvent;
  assert.equal(e.type, 'brute-force');
  assert.deepEqual(e.destination, { port: 22 });

  const unknown = readV3Yaml(loginAttackYaml.replace('login-attack', 'web-attack'), 'r') as AbuseEvent;
  assert.equal(unknown.type, 'undetermined');
  assert.equal(unknown.identifier, 'web-attack');
  assert.equal(unknown.needsReview, true);

  const dnsbl = readV3Yaml(
    loginAttackYaml.replace('Category: abuse', 'Category: info').replace('login-attack', 'dnsbl'),
    'r',
  ) as AbuseEvent;
  assert.equal(dnsbl.reportType, 'xarf:info/dnsbl');
  assert.equal(dnsbl.needsReview, true);
});

test('zonedTime: RFC 2822, fail2ban scripts’ form, ISO 8601; no zone, no time', () => {
  assert.equal(zonedTime('Fri, 20 Nov 2026 09:30:17 +0100'), '2026-11-20T08:30:17.000Z');
  assert.equal(zonedTime('Fri, 20 Nov 2026 17:30:17 +0900 (JST)'), '2026-11-20T08:30:17.000Z');
  assert.equal(zonedTime('Nov 20 2026 09:30:17 +0100'), '2026-11-20T08:30:17.000Z');
  assert.equal(zonedTime('2026-11-20T08:30:17Z'), '2026-11-20T08:30:17.000Z');
  assert.equal(zonedTime('Fri, 20 Nov 2026 08:30:17 GMT'), '2026-11-20T08:30:17.000Z');
  assert.equal(zonedTime('Fri, 20 Nov 2026 09:30:17'), undefined);
  assert.equal(zonedTime('Fri, 20 Nov 2026 09:30:17 CEST'), undefined);
  assert.equal(zonedTime('soon +0100'), undefined);
  assert.equal(zonedTime('Nov 20 09:30:17 +0100'), undefined); // syslog's time without a year: V8 reads 2001
});

test('X-ARF JSON version 3 file: the event; samples’ payloads and the sender’s subscriber data left out', async () => {
  assert.deepEqual(event(await only(fixture('v3-json-login-attack.json'), 'v3-json-login-attack.json')), {
    type: 'brute-force',
    identifier: 'LoginAttack',
    time: '2026-11-20T06:42:55.000Z',
    source: { address: '203.0.113.61', port: 39412 },
    destination: { address: '198.51.100.33', port: 3389 },
    reporter: 'honeypots.example.com',
    reportType: 'xarf:Activity/LoginAttack',
    evidence: 'v3-json-login-attack.json',
    detail: {
      FirstSeen: '2026-11-20T06:00:12Z',
      Ongoing: 'true',
      'Samples.0.ContentType': 'text/plain',
      'Samples.0.Base64Encoded': 'false',
      'Samples.0.Description': 'RDP log',
      Version: '3',
      'ReporterInfo.ReporterOrg': 'Example Honeypots',
      'ReporterInfo.ReporterOrgEmail': 'reports@honeypots.example.com',
      'ReporterInfo.ReporterContactEmail': 'soc@honeypots.example.com',
      'ReporterInfo.ReporterContactName': 'SOC Team',
      Disclosure: 'true',
    },
  });
});

test('X-ARF JSON in abusix’s multipart/report mail (Feedback-Type: xarf, base64 xarf.json)', async () => {
  const e = event(await only(fixture('v3-json-feedback-report.eml')));
  assert.equal(e.type, 'spam');
  assert.equal(e.reportType, 'xarf:Activity/Spam');
  assert.deepEqual(e.source, { address: '192.0.2.140', port: 52811 });
  assert.deepEqual(e.destination, { address: '198.51.100.25', port: 25 });
  assert.equal(e.reporter, 'filter.example.net');
  assert.equal(e.evidence, 'message <5b2e81c4-0f3d-4a77-9e61-2c8d4a0b7f13@filter.example.net>');
  assert.equal(e.detail!.SmtpMailFromAddress, 'news@promo.example.com');
});

test('X-ARF JSON: the class decides what Malware means; unknown class; no source; wrong types', () => {
  const base = JSON.parse(text('v3-json-login-attack.json')) as Record<string, unknown>;
  const report = base.Report as Record<string, unknown>;
  const read = (changes: Record<string, unknown>) =>
    readV3JsonReport({ ...base, Report: { ...report, ...changes } }, 'r');
  const reasonOf = (changes: Record<string, unknown>) => {
    const reading = read(changes);
    return 'reason' in reading ? reading.reason : undefined;
  };
  assert.equal((read({ ReportType: 'Malware' }) as AbuseEvent).type, 'infected-system');
  assert.equal((read({ ReportClass: 'Content', ReportType: 'Malware' }) as AbuseEvent).type, 'malware-distribution');
  assert.equal(
    (read({ ReportClass: 'Vulnerability', ReportType: 'OpenService' }) as AbuseEvent).type,
    'potentially-unwanted-accessible',
  );
  const unknownType = read({ ReportType: 'Tarpit' }) as AbuseEvent;
  assert.equal(unknownType.type, 'undetermined');
  assert.equal(unknownType.needsReview, true);
  assert.equal(
    reasonOf({ ReportClass: 'Behaviour' }),
    'unknown class: Report.ReportClass "Behaviour" is not one of Activity, Content, Vulnerability',
  );
  assert.equal(
    reasonOf({ ReportType: 'PotentiallyCompromisedAccount', SourceIp: undefined, SourcePort: undefined }),
    'no source address: the Activity/PotentiallyCompromisedAccount report has no Report.SourceIp, so it cannot be attributed to a subscriber',
  );
  assert.equal(
    reasonOf({ SourcePort: '39412', Date: '20.11.2026' }),
    'X-ARF JSON version "3": Report.Date: expected an ISO 8601 date-time with a zone (2026-11-20T08:15:00Z), got "20.11.2026"; ' +
      'Report.SourcePort: expected a port number from 0 to 65535, got "39412"',
  );
  const byUrl = read({ SourceIp: undefined, SourceUrl: 'http://198.51.100.9/dl/invoice.exe' }) as AbuseEvent;
  assert.deepEqual(byUrl.source, { address: '198.51.100.9', port: 39412, url: 'http://198.51.100.9/dl/invoice.exe' });
  assert.equal(byUrl.detail!.SourceUrl, undefined);
});

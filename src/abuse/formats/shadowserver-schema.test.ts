import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../../config/load.js';
import { isRsitType } from '../../domain/abuse-event.js';
import {
  bundledShadowserverSchema,
  loadShadowserverSchema,
  planColumns,
  shadowserverSchemaFrom,
  SEVERITIES,
} from './shadowserver-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-shadowserver-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** The problems a ConfigError lists, or a failure when `run` does not throw one. */
async function problems(run: () => unknown): Promise<string[]> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

const REQUIRED = [
  'event4_sinkhole',
  'event6_sinkhole',
  'event4_sinkhole_http',
  'event4_honeypot_brute_force',
  'event4_honeypot_darknet',
  'scan_ssh',
  'scan_telnet',
  'scan_rdp',
  'scan_http',
  'scan_ntp',
  'scan_dns',
  'scan_snmp',
  'scan_ssdp',
  'scan_memcached',
  'scan_cwmp',
  'scan_smb',
  'scan_ipp',
  'scan6_ssh',
  'compromised_website',
  'blocklist',
  'device_id',
  'ddos_participant',
  'event4_ddos_participant',
];

test('the bundled schema covers the common reports, each with an RSIT type, a time and a source address', () => {
  const schema = bundledShadowserverSchema();
  for (const type of REQUIRED) {
    const report = schema.reports.get(type);
    assert.ok(report, type);
    assert.ok(isRsitType(report.type), type);
    assert.ok(report.columns.time?.length, type);
    assert.ok(report.columns.source_ip?.length, type);
    assert.ok(report.identifierDefault !== undefined || report.identifierColumns.length > 0, type);
  }
  for (const report of schema.reports.values()) {
    assert.ok(report.severity === undefined || SEVERITIES.includes(report.severity), report.name);
  }
  assert.equal(schema.reports.get('ddos_participant'), schema.reports.get('event4_ddos_participant'));
  assert.equal(schema.reports.get('ddos_participant')!.name, 'event4_ddos_participant');
  const sinkhole = schema.reports.get('event4_sinkhole')!;
  assert.deepEqual(
    { ...sinkhole, columns: { ...sinkhole.columns }, notInDetail: [...sinkhole.notInDetail].sort() },
    {
      name: 'event4_sinkhole',
      title: 'Sinkhole-Events IPv4',
      type: 'infected-system',
      identifierColumns: ['infection'],
      identifierDefault: 'sinkhole',
      severity: 'critical',
      review: false,
      columns: {
        time: ['timestamp'],
        source_ip: ['src_ip'],
        source_port: ['src_port'],
        source_hostname: ['src_hostname'],
        source_asn: ['src_asn'],
        destination_ip: ['dst_ip'],
        destination_port: ['dst_port'],
        destination_hostname: ['dst_hostname'],
        destination_asn: ['dst_asn'],
        protocol: ['protocol'],
      },
      notInDetail: ['city', 'dst_city', 'dst_geo', 'dst_naics', 'dst_region', 'dst_sector', 'geo', 'naics', 'region']
        .concat(['sector', 'sic', 'src_city', 'src_geo', 'src_naics', 'src_region', 'src_sector'])
        .sort(),
    },
  );
  assert.equal(schema.fallback.type, 'undetermined');
  assert.equal(schema.fallback.review, true);
  assert.equal(bundledShadowserverSchema(), schema, 'compiled once');
});

test('a schema file is laid over the bundled one: it adds types and replaces the ones it names', async () => {
  const path = file(
    'overlay.json',
    JSON.stringify({
      layouts: { camera: { time: 'timestamp', source_ip: 'ip', source_port: 'port' } },
      reports: {
        scan_rtsp: { type: 'potentially-unwanted-accessible', identifier: 'accessible-rtsp', layout: 'camera' },
        scan_http: { type: 'vulnerable-system', identifier: { column: 'tag' }, layout: 'scan', review: true },
      },
    }),
  );
  const schema = await loadShadowserverSchema(path);
  assert.deepEqual(schema.reports.get('scan_rtsp')!.columns, {
    time: ['timestamp'],
    source_ip: ['ip'],
    source_port: ['port'],
  });
  assert.equal(schema.reports.get('scan_http')!.type, 'vulnerable-system');
  assert.equal(schema.reports.get('scan_http')!.review, true);
  assert.deepEqual(schema.reports.get('scan_http')!.identifierColumns, ['tag']);
  assert.equal(schema.reports.get('scan_ssh')!.identifierDefault, 'accessible-ssh', 'untouched types stay');
  assert.equal(bundledShadowserverSchema().reports.get('scan_http')!.type, 'potentially-unwanted-accessible');

  // Standing alone, a file needs its own fallback and layouts.
  assert.deepEqual(await problems(() => loadShadowserverSchema(path, { extend: false })), [
    'reports.scan_http.layout: no layout "scan"; the layouts are "camera"',
    'fallback: missing; it says how report types the schema does not know are read',
  ]);
});

test('every mistake in a schema file is named with its path', async () => {
  const bad = {
    reports: {
      scan_a: { type: 'hacked', identifier: 'a', layout: 'scan' },
      scan_b: { type: 'scanner', identifier: 'b', layout: 'scan', severity: 'urgent' },
      scan_c: { type: 'scanner', identifier: 'c', layout: 'scan', colums: {} },
      scan_d: { type: 'scanner', identifier: { column: [] }, layout: 'scan' },
    },
  };
  const found = await problems(() => shadowserverSchemaFrom(bad, 'mine.json'));
  assert.equal(found.length, 4, found.join('\n'));
  assert.match(found[0]!, /^reports\.scan_a\.type: not an RSIT type/);
  assert.match(found[1]!, /^reports\.scan_b\.severity: /);
  assert.match(found[2]!, /^reports\.scan_c: .*colums/);
  assert.match(found[3]!, /^reports\.scan_d\.identifier/);

  assert.deepEqual(
    await problems(() =>
      shadowserverSchemaFrom(
        { reports: { scan_x: { type: 'scanner', identifier: 'x', columns: { source_ip: 'ip' } } } },
        'mine.json',
      ),
    ),
    ['reports.scan_x: no time column (set columns.time or a layout that has one)'],
  );
  assert.deepEqual(
    await problems(() =>
      shadowserverSchemaFrom(
        { reports: { scan_x: { type: 'scanner', identifier: 'x', layout: 'scan', aliases: ['scan_ssh'] } } },
        'mine.json',
      ),
    ),
    ['reports.scan_x.aliases: "scan_ssh" is already the name or an alias of another report'],
  );
  const error = await loadShadowserverSchema(file('broken.json', '{"reports": {')).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError);
  assert.match(error.message, /broken\.json is not valid:\n {2}- not JSON: /);
  const missing = await problems(() => loadShadowserverSchema(join(dir, 'absent.json')));
  assert.match(missing[0]!, /^the file cannot be read \(.*ENOENT.*\); check the path$/);
});

test('planColumns: the first candidate the header has wins; a missing address column falls back and asks for review', () => {
  const schema = bundledShadowserverSchema();
  const http = schema.reports.get('event4_sinkhole_http')!;
  const header = ['timestamp', 'protocol', 'src_ip', 'src_port', 'dst_ip', 'dst_hostname', 'http_host', 'severity'];
  const plan = planColumns(http, schema.fallback, header);
  assert.equal(plan.at.destination_hostname, 6, 'http_host before dst_hostname');
  assert.equal(plan.at.source_asn, -1);
  assert.equal(plan.severity, 7);
  assert.equal(plan.review, false);
  assert.deepEqual([...plan.mapped], [1, 1, 1, 1, 1, 0, 1, 0]);

  const renamed = planColumns(http, schema.fallback, ['timestamp', 'ip', 'port']);
  assert.equal(renamed.at.source_ip, 1);
  assert.equal(renamed.at.source_port, -1, 'only the time and the address fall back');
  assert.equal(renamed.review, true);

  const generic = planColumns(schema.fallback, schema.fallback, ['timestamp', 'src_ip', 'tag', 'infection']);
  assert.deepEqual(generic.identifier, [3, 2]);
  assert.equal(generic.review, false, 'the fallback asks for review through its own review flag');
});

test('enrichment columns stay out of detail; a schema file can say which they are', () => {
  const header = ['timestamp', 'src_ip', 'src_geo', 'src_sector', 'infection'];
  const bundledPlan = planColumns(
    bundledShadowserverSchema().reports.get('event4_sinkhole')!,
    bundledShadowserverSchema().fallback,
    header,
  );
  assert.deepEqual([...bundledPlan.mapped], [1, 1, 1, 1, 0]);
  const keepAll = shadowserverSchemaFrom({ enrichment: { columns: ['src_sector'] } }, 'operator.json');
  const plan = planColumns(keepAll.reports.get('event4_sinkhole')!, keepAll.fallback, header);
  assert.deepEqual([...plan.mapped], [1, 1, 0, 1, 0]);
});

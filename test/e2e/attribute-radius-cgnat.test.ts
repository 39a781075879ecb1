// Attribution end to end with a real FreeRADIUS and radclient, through the same code `serve` runs:
//  1. FreeRADIUS writes its detail file; Mizugiwa tails it; look-ups before, during and after a session.
//  2. Mizugiwa as an extra RADIUS accounting destination gets the same packets from radclient directly.
//  4. A CGNAT chain: a Juniper port-block log plus a RADIUS session; public address + port → subscriber,
//     and a port outside the block → no one.
//  5. Every look-up leaves an audit entry with its purpose; one without a purpose is refused.
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { whoHeld } from '../../src/attribute/who-held.js';
import { configSchema } from '../../src/config/schema.js';
import { listAudit } from '../../src/audit/query.js';
import { startAttribution, type Attribution } from '../../src/lifecycle/attribution.js';
import { createLogger } from '../../src/log.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { missingProgram } from '../support/components.js';
import { eventually, runCleanups, tempDir, type Cleanups } from '../support/daemon.js';
import {
  FREERADIUS,
  freeUdpPort,
  RADCLIENT,
  radclientSend,
  startFreeradius,
  type Freeradius,
} from '../support/freeradius.js';
import { sqliteStore, type TestStore } from '../support/stores.js';

const skip = missingProgram(FREERADIUS, 'freeradius') || missingProgram(RADCLIENT, 'freeradius-utils');
const SECRET = 'mizugiwa-test-secret';
const operator = { actor: { kind: 'cli', osUser: 'test' } } as const;
const purpose = { kind: 'abuse-notice', text: 'case 2026-0042' } as const;

/** Event times are sent explicitly (epoch seconds), so each look-up is at a known moment. */
const T0 = Math.floor(Date.parse('2026-11-24T01:00:00Z') / 1000);

describe('attribution from FreeRADIUS and radclient', { skip }, () => {
  const cleanups: Cleanups = [];
  let store: TestStore;
  let radius: Freeradius;
  let attribution: Attribution;
  let ourPort: number;
  let natLog: string;

  before(async () => {
    const dir = tempDir(cleanups, 'mizugiwa-attr-radius-');
    store = await sqliteStore();
    cleanups.push(() => store.dispose());
    radius = await startFreeradius(cleanups, dir, { secret: SECRET });
    ourPort = await freeUdpPort();
    natLog = join(dir, 'cgnat.log');
    writeFileSync(natLog, '');
    const config = configSchema.parse({
      attribute: {
        sources: [
          {
            name: 'radius-detail',
            type: 'file',
            format: 'freeradius-detail',
            path: radius.detailFile,
            timezone: 'Asia/Tokyo',
          },
          {
            name: 'radius-direct',
            type: 'radius',
            listen: `127.0.0.1:${ourPort}`,
            clients: [{ address: '127.0.0.1', secret: SECRET }],
          },
          { name: 'cgnat', type: 'file', format: 'juniper-pba', path: natLog, timezone: 'Asia/Tokyo' },
        ],
      },
    });
    attribution = await startAttribution({
      db: store.db,
      config,
      configDir: dir,
      log: createLogger({ log: { level: 'warn', format: 'json' } }, process.stderr),
    });
    cleanups.push(() => attribution.stop());
    await upsertSubscriber(store.db, operator, {
      id: 'C-1001',
      name: '山田 太郎',
      email: 'taro@example.jp',
      phone: null,
      address: null,
      contract: null,
      keys: [{ kind: 'user', value: 'taro@isp.example' }],
    });
  });
  after(() => runCleanups(cleanups));

  const session = (status: string, at: number, extra: Record<string, string> = {}) => ({
    'Acct-Status-Type': status,
    'Acct-Session-Id': 'S-0001',
    'User-Name': 'taro@isp.example',
    'NAS-IP-Address': '192.0.2.1',
    'Framed-IP-Address': '100.64.0.5',
    'Calling-Station-Id': '00-11-22-33-44-55',
    'Event-Timestamp': String(at),
    'Acct-Interim-Interval': '600',
    ...extra,
  });
  const send = async (attrs: Record<string, string>) => {
    await radclientSend(radius.acctPort, SECRET, attrs);
    await radclientSend(ourPort, SECRET, attrs);
  };
  const who = (source: string, address: string, at: number, port?: number) =>
    whoHeld(
      store.db,
      { ...operator, purpose },
      { address, port, atMs: at * 1000, skewMs: 2000 },
      { contact: true, nowMs: at * 1000 + 1000 },
    ).then((a) => a.candidates.filter((c) => c.links.at(-1)?.source === source));

  test('Start, Interim-Update and Stop: the subscriber during the session, no one before or after', async () => {
    await send(session('Start', T0));
    await send(session('Interim-Update', T0 + 600, { 'Acct-Session-Time': '600' }));
    await send(session('Stop', T0 + 1800, { 'Acct-Session-Time': '1800', 'Acct-Terminate-Cause': 'User-Request' }));

    for (const source of ['radius-detail', 'radius-direct']) {
      await eventually(`${source} has the closed session`, async () =>
        (await who(source, '100.64.0.5', T0 + 900))[0]?.links[0]?.end ? true : 'not yet',
      );
      assert.deepEqual(await who(source, '100.64.0.5', T0 - 600), [], `${source}: before the Start`);
      const during = await who(source, '100.64.0.5', T0 + 900);
      assert.equal(during[0]?.subscriberKey, 'taro@isp.example', source);
      assert.equal(during[0]?.subscriberId, 'C-1001');
      assert.equal(during[0]?.subscriber?.email, 'taro@example.jp');
      assert.equal(during[0]?.confidence, 100);
      assert.equal(during[0]?.links[0]?.end, new Date((T0 + 1800) * 1000).toISOString());
      assert.deepEqual(await who(source, '100.64.0.5', T0 + 1800 + 60), [], `${source}: after the Stop`);
    }
    const detail = (await who('radius-detail', '100.64.0.5', T0 + 900))[0]!;
    assert.match(detail.links[0]!.evidence, /detail line \d+/);
  });

  test('CGNAT: a Juniper port block and a RADIUS session resolve public address and port to the subscriber', async () => {
    await send(session('Start', T0 + 7200, { 'Acct-Session-Id': 'S-0002', 'Framed-IP-Address': '100.64.0.9' }));
    // Juniper writes local wall time (Asia/Tokyo here): 10:00 JST is 01:00 UTC.
    const jst = (s: number) => {
      const d = new Date((s + 9 * 3600) * 1000);
      const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
      return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    };
    appendFileSync(
      natLog,
      `${jst(T0 + 7200)} mx960-cgn (FPC Slot 1, PIC Slot 0) {CGN-SSET}[jservices-nat]: JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64.0.9 -> 203.0.113.1:2048-2303 0x6b04e190\n`,
    );
    const at = T0 + 7200 + 300;
    await eventually('the port block is stored', async () =>
      (await who('radius-direct', '203.0.113.1', at, 2100)).length > 0 ? true : 'not yet',
    );
    const found = await who('radius-direct', '203.0.113.1', at, 2100);
    assert.equal(found.length, 1);
    assert.equal(found[0]?.subscriberKey, 'taro@isp.example');
    assert.deepEqual(
      found[0]?.links.map((l) => [l.kind, l.address]),
      [
        ['cgnat', '203.0.113.1'],
        ['lease', '100.64.0.9'],
      ],
    );
    const outside = await whoHeld(
      store.db,
      { ...operator, purpose },
      { address: '203.0.113.1', port: 4000, atMs: at * 1000 },
      { contact: false, nowMs: at * 1000 },
    );
    assert.deepEqual(outside.candidates, []);
  });

  test('every look-up is audited with its purpose; a look-up without one is refused', async () => {
    const before = (await listAudit(store.db, { limit: 1000, action: 'attribution.lookup' })).length;
    await whoHeld(
      store.db,
      { ...operator, purpose: { kind: 'police-request', text: 'LR-2026-7' } },
      { address: '100.64.0.5', atMs: (T0 + 900) * 1000 },
      { contact: false },
    );
    const entries = await listAudit(store.db, { limit: 1000, action: 'attribution.lookup' });
    assert.equal(entries.length, before + 1);
    assert.equal(entries[0]?.purpose, 'police-request: LR-2026-7');
    assert.match(entries[0]?.target ?? '', /^address:100\.64\.0\.5@/);
    await assert.rejects(
      whoHeld(
        store.db,
        { ...operator, purpose: undefined },
        { address: '100.64.0.5', atMs: T0 * 1000 },
        { contact: false },
      ),
      /purpose/,
    );
    assert.equal((await listAudit(store.db, { limit: 1000, action: 'attribution.lookup' })).length, before + 1);
  });
});

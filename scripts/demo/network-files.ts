// The demo's network logs, in the formats real equipment writes: a day of BIND query log from the ISP's resolver,
// the BRAS's RADIUS accounting as FreeRADIUS writes its detail file, and the CGNAT box's port-block log (Juniper
// MS-MPC PBA lines), plus the billing system's subscriber export. Times are UTC (the imports are told so).
import { writeFileSync } from 'node:fs';
import { Random } from '../../bench/gen/random.js';
import { DAY_MS, type World } from './world.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** BIND's query-log stamp: 24-Nov-2026 10:00:00.000 */
function bindStamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** The detail file's record header and Event-Timestamp: Tue Nov 24 23:46:28 2026 / Nov 24 2026 23:46:28 UTC */
function detailHeader(ms: number): string {
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${d.getUTCFullYear()}`;
}
function eventTimestamp(ms: number): string {
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.getUTCFullYear()} ${time} UTC`;
}

/**
 * A day of resolver queries: every subscriber browses popular and random names, the infected ones call their C2
 * name on their rhythm, the lured ones look up a phishing name once or twice. Returns the number of lines.
 */
export function writeQueryLog(world: World, file: string, seed = 7): number {
  const rng = new Random(seed);
  const lines: { at: number; text: string }[] = [];
  const query = (at: number, client: string, name: string) => {
    const type = rng.next() < 0.6 ? 'A' : rng.next() < 0.8 ? 'AAAA' : 'HTTPS';
    lines.push({
      at,
      text:
        `${bindStamp(at)} client @0x7f${rng.hex(10)} ${client}#${rng.between(1024, 65535)} (${name}): ` +
        `query: ${name} IN ${type} +E(0)K (192.0.2.53)`,
    });
  };
  for (const s of world.subscribers) {
    const queries = rng.between(20, 90);
    for (let i = 0; i < queries; i++) {
      const name = rng.next() < 0.7 ? world.benignNames[rng.int(20)]! : rng.pick(world.benignNames);
      query(world.dayStart + rng.int(DAY_MS), s.inside, name);
    }
  }
  for (const infection of world.infections) {
    for (let at = infection.since; at < world.now; at += infection.everyMinutes * 60_000) {
      query(at + rng.int(30_000), infection.subscriber.inside, infection.c2);
    }
  }
  for (const lure of world.lures) {
    query(lure.at, lure.subscriber.inside, lure.phishing);
    if (rng.next() < 0.5) query(lure.at + rng.between(1, 20) * 60_000, lure.subscriber.inside, `www.${lure.phishing}`);
  }
  lines.sort((a, b) => a.at - b.at);
  const text = lines.map((l) => l.text);
  writeFileSync(file, `${text.join('\n')}\n`);
  return text.length;
}

/** RADIUS accounting: every subscriber's PPPoE session started two days ago and is still up (no Stop yet). */
export function writeRadiusDetail(world: World, file: string): void {
  const records = world.subscribers.map((s, i) => {
    const start = world.now - 2 * DAY_MS + i * 1000;
    return [
      detailHeader(start),
      '\tAcct-Status-Type = Start',
      `\tUser-Name = "${s.radiusUser}"`,
      `\tAcct-Session-Id = "${(0x4d2a0000 + i).toString(16)}"`,
      '\tNAS-IP-Address = 192.0.2.1',
      '\tNAS-Identifier = "bras1.isp.example.jp"',
      `\tFramed-IP-Address = ${s.inside}`,
      `\tCalling-Station-Id = "02:00:00:00:${pad(Math.floor(i / 256) % 100)}:${pad(i % 100)}"`,
      `\tEvent-Timestamp = "${eventTimestamp(start)}"`,
      `\tTimestamp = ${Math.floor(start / 1000)}`,
      '',
    ].join('\n');
  });
  writeFileSync(file, `${records.join('\n')}\n`);
}

/** CGNAT: each subscriber behind it was given its port block when its session started. */
export function writeCgnatLog(world: World, file: string): void {
  const lines = world.subscribers
    .filter((s) => s.cgnat !== null)
    .map((s, i) => {
      const at = new Date(world.now - 2 * DAY_MS + 5_000 + i * 1000).toISOString();
      const block = s.cgnat!;
      return (
        `${at} cgn1.isp.example.jp (FPC Slot 1, PIC Slot 0) {CGN-SSET}[jservices-nat]: ` +
        `JSERVICES_NAT_PORT_BLOCK_ALLOC: ${s.inside} -> ${block.address}:${block.firstPort}-${block.lastPort}`
      );
    });
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The billing export: id, name, e-mail, the language notices go out in, and the RADIUS user name. */
export function writeSubscribers(world: World, file: string): void {
  const rows = world.subscribers.map((s) => [s.id, s.name, s.email, s.locale, s.radiusUser].join(','));
  writeFileSync(file, `id,name,email,language,radius_user\n${rows.join('\n')}\n`);
}

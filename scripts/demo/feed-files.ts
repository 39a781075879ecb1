// The demo's two threat feeds as files on disk, in formats the product reads: a C2 feed laid out as ThreatFox's CSV
// export (domains and ip:port, botnet_cc), with three broken rows as real exports sometimes have, and a phishing list
// as a partner's CSV of URLs and their host names.
import { writeFileSync } from 'node:fs';
import { Random } from '../../bench/gen/random.js';
import { DAY_MS, type World } from './world.js';

const COLUMNS =
  '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias",' +
  '"malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"';
const MALWARE: readonly [string, string][] = [
  ['win.cobalt_strike', 'Cobalt Strike'],
  ['win.lumma', 'Lumma Stealer'],
  ['elf.mirai', 'Mirai'],
  ['win.asyncrat', 'AsyncRAT'],
  ['win.remcos', 'Remcos'],
];

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

export function writeC2Feed(world: World, file: string, seed = 11): number {
  const rng = new Random(seed);
  const rows: string[] = [];
  let id = 1_700_000;
  const row = (value: string, type: string) => {
    const [malware, printable] = rng.pick(MALWARE);
    const seen = world.now - rng.int(30 * DAY_MS);
    rows.push(
      `"${utc(seen)}", "${id++}", "${value}", "${type}", "botnet_cc", "${malware}", "None", "${printable}", "", ` +
        `"${rng.pick(['75', '90', '100'])}", "False", "None", "c2", "0", "abuse_ch"`,
    );
  };
  for (const d of world.c2Domains) row(d, 'domain');
  for (const a of world.c2Addresses) row(`${a.address}:${a.port}`, 'ip:port');
  // Broken rows: a date that is not one, a type ThreatFox does not have, a field missing.
  rows.splice(
    100,
    0,
    `"yesterday", "1", "bad-date.example", "domain", "botnet_cc", "x", "None", "x", "", "75", "False", "None", "c2", "0", "r"`,
  );
  rows.splice(
    900,
    0,
    `"${utc(world.now)}", "2", "x@example.com", "email", "botnet_cc", "x", "None", "x", "", "75", "False", "None", "c2", "0", "r"`,
  );
  rows.splice(1500, 0, `"${utc(world.now)}", "3", "short.example", "domain"`);
  const header = [
    '################################################################',
    '# ThreatFox IOCs: recent additions - CSV format                #',
    `# Last updated: ${utc(world.now)} UTC                        #`,
    '################################################################',
    '#',
    COLUMNS,
  ];
  writeFileSync(file, `${[...header, ...rows, `# Number of entries: ${rows.length}`].join('\n')}\n`);
  return rows.length;
}

export function writePhishingFeed(world: World, file: string, seed = 13): number {
  const rng = new Random(seed);
  const lines = world.phishingDomains.map((host) => {
    const seen = new Date(world.now - rng.int(14 * DAY_MS)).toISOString();
    const path = rng.pick(['/login', '/verify/account', '/secure/update.php', '/signin', '/card/confirm']);
    return `https://${host}${path},${host},${seen},${rng.pick(['80', '90', '95'])}`;
  });
  writeFileSync(file, `url,host,submitted_at,confidence\n${lines.join('\n')}\n`);
  return lines.length;
}

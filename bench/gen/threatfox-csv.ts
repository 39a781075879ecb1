// Writes a ThreatFox CSV export (the layout of https://threatfox.abuse.ch/export/csv/full/: a `#` banner,
// the commented column line, rows of quoted fields joined by `", "`) with unique indicators in the feed's
// usual mix, plus a small share of rows that must be rejected, and — for the sqlite3 peer — the same rows
// as a plain `value,type` CSV. Streamed to disk in batches: memory holds the set of values already used
// (to keep them unique), never the file.
import { closeSync, openSync, writeSync } from 'node:fs';
import { domainName, publicIpv4, Random, syllableLabel } from './random.js';

export type ThreatfoxWorkload = {
  rows: number;
  bytes: number;
  /** What a correct ingest must report. */
  expected: { accepted: number; rejected: number };
  /** Data rows per ThreatFox ioc_type, bad rows included under the type they claim. */
  byType: Record<string, number>;
  /** Bad rows per kind of fault. */
  faults: Record<string, number>;
};

const COLUMN_LINE =
  '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias",' +
  '"malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"';

const MALWARE: readonly [string, string, string][] = [
  ['win.cobalt_strike', 'Agentemis,BEACON,CobaltStrike', 'Cobalt Strike'],
  ['win.lumma', 'LummaC2', 'Lumma Stealer'],
  ['win.agent_tesla', 'None', 'Agent Tesla'],
  ['win.remcos', 'RemcosRAT', 'Remcos'],
  ['js.clearfake', 'None', 'ClearFake'],
  ['win.asyncrat', 'None', 'AsyncRAT'],
  ['elf.mirai', 'Katana', 'Mirai'],
  ['win.qakbot', 'Pinkslipbot,QakBot,Quakbot', 'QakBot'],
  ['win.redline_stealer', 'None', 'RedLine Stealer'],
  ['apk.hook', 'None', 'Hook'],
];
const TAGS = [
  'None',
  'None',
  'None',
  'c2',
  'CobaltStrike',
  'exe',
  'ClearFake,windows',
  'Mirai,elf',
  'stealer',
  'opendir',
];
const REPORTERS = ['abuse_ch', 'anonymous', 'reporter_x', 'JAMESWT_MHT', 'skocherhan', 'Cryptolaemus1', 'Bitsight'];
const CONFIDENCE = ['50', '75', '75', '80', '90', '100'];
const PORTS = [80, 443, 8080, 8443, 4444, 2222, 5000, 7443, 1337];
const PATHS = ['/panel', '/wp-content/plugins', '/bins', '/download', '/api/v1', '/admin', '/files', '/update'];
const EXT = ['.exe', '.php', '.zip', '.dll', '.sh', '.apk', '.js', '.bin', ''];

const FAULT_EVERY = 1000;

/** Bad rows, one in every FAULT_EVERY (0.1 %): faults the parser finds, and values only normalisation at ingest finds. */
const FAULTS = [
  'date', // first_seen_utc is not a time
  'id', // ioc_id is not a number
  'ioc-type', // an ioc_type ThreatFox does not have
  'quote', // a quote never closed
  'columns', // a field missing
  'confidence', // confidence_level not 0–100
  'domain-value', // a domain with an empty label: rejected by ingest's normalisation
  'url-value', // a URL with white space in its host: rejected by ingest's normalisation
] as const;

type Row = { value: string; type: string };

/**
 * Writes `rows` data rows to `file` (and `value,type` lines to `plainFile`, if given). Deterministic for a
 * seed. Unique values per type; the export lists newest first, as ThreatFox's does.
 */
export function writeThreatfoxCsv(file: string, rows: number, plainFile?: string, seed = 20261124): ThreatfoxWorkload {
  const rng = new Random(seed);
  const used = new Set<string>();
  const out = openSync(file, 'w');
  const plain = plainFile === undefined ? undefined : openSync(plainFile, 'w');
  const byType: Record<string, number> = {};
  const faults: Record<string, number> = {};
  let bytes = 0;
  let rejected = 0;
  let chunk = '';
  let plainChunk = '';
  const flush = () => {
    bytes += writeSync(out, chunk);
    chunk = '';
    if (plain !== undefined) writeSync(plain, plainChunk);
    plainChunk = '';
  };
  try {
    const updated = new Date(Date.now() - 60_000);
    chunk +=
      '################################################################\n' +
      '# ThreatFox IOCs: full data dump - CSV format                   #\n' +
      `# Last updated: ${abuseTime(updated)} UTC                        #\n` +
      '#                                                              #\n' +
      '# Terms Of Use: https://threatfox.abuse.ch/faq/#tos            #\n' +
      '# For questions please contact threatfox [at] abuse.ch         #\n' +
      '################################################################\n' +
      '#\n' +
      `${COLUMN_LINE}\n`;
    // Newest first, spread over the last ~two years, a row every ~60 s on average.
    let seen = updated.getTime();
    const firstId = 1_650_000;
    for (let n = 0; n < rows; n++) {
      seen -= rng.int(120_000);
      const row = uniqueRow(rng, used);
      const [malware, alias, printable] = rng.pick(MALWARE);
      const fields = [
        abuseTime(new Date(seen)),
        String(firstId - n),
        row.value,
        row.type,
        row.type === 'sha256_hash' ? 'payload' : row.type === 'url' ? 'payload_delivery' : 'botnet_cc',
        malware,
        alias,
        printable,
        rng.next() < 0.2 ? abuseTime(new Date(seen + rng.int(86_400_000))) : '',
        rng.pick(CONFIDENCE),
        rng.next() < 0.02 ? 'True' : 'False',
        rng.next() < 0.1 ? `https://blog.example.com/${syllableLabel(rng, 3)}` : 'None',
        rng.pick(TAGS),
        rng.next() < 0.15 ? '1' : '0',
        rng.pick(REPORTERS),
      ];
      // One bad row in every FAULT_EVERY, the kinds of fault taking turns.
      const fault =
        n % FAULT_EVERY === FAULT_EVERY - 1 ? FAULTS[Math.floor(n / FAULT_EVERY) % FAULTS.length] : undefined;
      if (fault) {
        rejected++;
        faults[fault] = (faults[fault] ?? 0) + 1;
        spoil(fault, fields);
      }
      byType[fields[3] as string] = (byType[fields[3] as string] ?? 0) + 1;
      chunk += fault === 'quote' ? `${unclosedQuote(fields)}\n` : `"${fields.join('", "')}"\n`;
      if (plain !== undefined) plainChunk += `${csvField(fields[2] as string)},${csvField(fields[3] as string)}\n`;
      if (chunk.length > 1 << 20) flush();
    }
    chunk += `# Number of entries: ${rows}\n`;
    flush();
  } finally {
    closeSync(out);
    if (plain !== undefined) closeSync(plain);
  }
  return { rows, bytes, expected: { accepted: rows - rejected, rejected }, byType, faults };
}

/** url ~45 %, domain ~30 %, ip:port ~20 %, sha256 ~5 %; a value is never repeated. */
function uniqueRow(rng: Random, used: Set<string>): Row {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const r = rng.next();
    const row: Row =
      r < 0.45
        ? { type: 'url', value: url(rng) }
        : r < 0.75
          ? { type: 'domain', value: domainName(rng) }
          : r < 0.95
            ? { type: 'ip:port', value: `${publicIpv4(rng)}:${rng.pick(PORTS)}` }
            : { type: 'sha256_hash', value: rng.hex(64) };
    // Hashes are 256 random bits: they cannot repeat, and keeping them would only cost memory.
    if (row.type === 'sha256_hash') return row;
    if (!used.has(row.value)) {
      used.add(row.value);
      return row;
    }
  }
  throw new Error('could not find a fresh value in 1000 attempts: widen the generator');
}

function url(rng: Random): string {
  const scheme = rng.next() < 0.7 ? 'http' : 'https';
  const host =
    rng.next() < 0.3 ? `${publicIpv4(rng)}${rng.next() < 0.5 ? `:${rng.pick(PORTS)}` : ''}` : domainName(rng);
  const path = `${rng.pick(PATHS)}/${syllableLabel(rng, rng.between(1, 3))}${rng.pick(EXT)}`;
  return `${scheme}://${host}${path}${rng.next() < 0.15 ? `?id=${rng.hex(8)}` : ''}`;
}

/** Makes a row bad in the way `fault` says (the `quote` fault is made when the line is written). */
function spoil(fault: (typeof FAULTS)[number], f: string[]): void {
  switch (fault) {
    case 'date':
      f[0] = 'yesterday';
      break;
    case 'id':
      f[1] = `id-${f[1]}`;
      break;
    case 'ioc-type':
      f[3] = 'email';
      break;
    case 'quote':
      break;
    case 'columns':
      f.splice(12, 1);
      break;
    case 'confidence':
      f[9] = 'high';
      break;
    case 'domain-value':
      f[2] = `bad..${f[1]}.example.com`;
      f[3] = 'domain';
      break;
    case 'url-value':
      f[2] = `http://bad host ${f[1]}.example.com/x`;
      f[3] = 'url';
      break;
  }
}

/** The row with the closing quote of ioc_value left out: `"…", "1650001", "evil.example, "domain", …`. */
function unclosedQuote(f: string[]): string {
  return `"${f.slice(0, 2).join('", "')}", "${f[2]}, ${f
    .slice(3)
    .map((v) => `"${v}"`)
    .join(', ')}`;
}

function abuseTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** RFC 4180 quoting, for the sqlite3 `.import --csv` peer. */
function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

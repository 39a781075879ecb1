// Writes the matching bench's workload: `indicators.txt` (one domain per line) and a BIND query log in
// which an exact share of lines asks for an indicator or a name under one, and some of the other lines ask
// for decoys — names that contain an indicator as a substring without being under it (`xevil.com`,
// `evil.com.cdn.example.net`, `evil.community`), which a substring search such as `grep -F` counts as hits.
// Which lines are true matches is decided by a plain reference check (the name or one of its parent
// names is in the set of indicators), not by the matcher under test. Both files are streamed to disk.
import { closeSync, openSync, writeSync } from 'node:fs';
import { domainName, publicIpv4, Random, registrableLabel, subdomainLabel, tld } from './random.js';

export type QueryLogWorkload = {
  indicators: number;
  lines: number;
  /** Bytes of the query log. */
  bytes: number;
  /** 0-based numbers of the lines whose query name is an indicator or under one, ascending. */
  matchLines: Int32Array;
  /** Lines built to hold an indicator as a substring without matching it (grep's false positives). */
  decoys: number;
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FLAGS = ['+E(0)K', '+E(0)K', '+E(0)K', '+E(0)DK', '-E(0)K', '+'];
const CDN_SUFFIXES = ['cdn.cloudflare.net', 'edgekey.net', 'akamaiedge.net', 'cdn.example.net', 'trafficmanager.net'];
/** Share of the non-matching lines that are decoys. */
const DECOY_SHARE = 0.01;
/** Benign names repeat (a resolver's traffic is heavy-tailed): this many popular ones, then fresh ones. */
const POPULAR = 20_000;

/** Is `name` an indicator or a name under one? The reference the matcher is checked against. */
function listed(indicators: Set<string>, name: string): boolean {
  if (indicators.has(name)) return true;
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    if (indicators.has(name.slice(dot + 1))) return true;
  }
  return false;
}

/** Does `name` end with an indicator at any character, not only at a label boundary (`xevil.com`)? */
function endsWithListed(indicators: Set<string>, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (indicators.has(name.slice(i))) return true;
  return false;
}

export function writeQueryLog(
  indicatorFile: string,
  logFile: string,
  sizes: { indicators: number; lines: number; matchShare?: number },
  seed = 20261124,
): QueryLogWorkload {
  const rng = new Random(seed);
  const matchShare = sizes.matchShare ?? 0.01;

  // The indicators: unique names of 2–4 labels, written as they are made.
  const set = new Set<string>();
  const list: string[] = [];
  const ind = openSync(indicatorFile, 'w');
  try {
    let chunk = '';
    for (let attempts = 0; list.length < sizes.indicators; attempts++) {
      if (attempts > sizes.indicators * 2 + 1000) throw new Error('too many duplicate names: widen the generator');
      const name = domainName(rng);
      if (set.has(name)) continue;
      set.add(name);
      list.push(name);
      chunk += `${name}\n`;
      if (chunk.length > 1 << 20) {
        writeSync(ind, chunk);
        chunk = '';
      }
    }
    writeSync(ind, chunk);
  } finally {
    closeSync(ind);
  }

  /** A name made by `make` that `bad` does not hold for; tried a bounded number of times. */
  const unlisted = (make: () => string, bad = listed): string => {
    for (let i = 0; i < 100; i++) {
      const name = make();
      if (!bad(set, name)) return name;
    }
    throw new Error('could not make an unlisted name in 100 attempts');
  };
  // The popular names do not even end with an indicator inside a label (`www.stabo.com` when `tabo.com` is
  // listed): repeated thousands of times, one such name would swamp grep's count with one accident. Fresh
  // names are only kept from matching, so their accidental substring hits stay, as in real traffic.
  const popular: string[] = [];
  for (let i = 0; i < POPULAR; i++) {
    const make = () => (rng.next() < 0.5 ? `www.${registrableLabel(rng)}.${tld(rng)}` : domainName(rng));
    popular.push(unlisted(make, endsWithListed));
  }
  const clients: string[] = [];
  for (let i = 0; i < 5000; i++) clients.push(`${publicIpv4(rng)}#`);
  const objects: string[] = [];
  for (let i = 0; i < 64; i++) objects.push(`@0x7f${rng.hex(10)}`);

  const decoy = (): string => {
    const base = rng.pick(list);
    return unlisted(() => {
      const kind = rng.int(3);
      if (kind === 0) return `${String.fromCharCode(97 + rng.int(26))}${base}`; // xevil.com
      if (kind === 1) return `${base}.${rng.pick(CDN_SUFFIXES)}`; // evil.com.cdn.example.net
      return `${base}${String.fromCharCode(97 + rng.int(26))}`; // evil.comx, evil.community
    });
  };
  const hit = (): string => {
    const base = rng.pick(list);
    const depth = rng.next() < 0.5 ? 0 : rng.next() < 0.8 ? 1 : 2;
    let name = base;
    for (let i = 0; i < depth; i++) name = `${subdomainLabel(rng)}.${name}`;
    return name;
  };
  const benign = (): string =>
    rng.next() < 0.7
      ? (popular[Math.floor(POPULAR * rng.next() ** 3)] as string) // a few names very often
      : unlisted(() => domainName(rng));

  // The log: timestamps rising by 0–2 ms a line from 24-Nov-2026 10:00:00.000 UTC.
  const matchCount = Math.round(sizes.lines * matchShare);
  const matchLines = new Int32Array(matchCount);
  let matchesLeft = matchCount;
  let decoys = 0;
  let bytes = 0;
  let ms = Date.UTC(2026, 10, 24, 10, 0, 0);
  let second = -1;
  let stamp = '';
  const log = openSync(logFile, 'w');
  try {
    let chunk = '';
    for (let n = 0; n < sizes.lines; n++) {
      ms += rng.int(3);
      const s = Math.floor(ms / 1000);
      if (s !== second) {
        second = s;
        const d = new Date(s * 1000);
        stamp =
          `${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
          `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:` +
          `${String(d.getUTCSeconds()).padStart(2, '0')}.`;
      }
      // Selection sampling: exactly matchCount of the lines match, spread uniformly.
      let name: string;
      if (rng.next() * (sizes.lines - n) < matchesLeft) {
        name = hit();
        matchLines[matchCount - matchesLeft] = n;
        matchesLeft--;
      } else if (rng.next() < DECOY_SHARE) {
        name = decoy();
        decoys++;
      } else {
        name = benign();
      }
      const r = rng.next();
      const type = r < 0.55 ? 'A' : r < 0.85 ? 'AAAA' : 'HTTPS';
      chunk +=
        `${stamp}${String(ms % 1000).padStart(3, '0')} client ${rng.pick(objects)} ${rng.pick(clients)}${rng.between(1024, 65535)} ` +
        `(${name}): query: ${name} IN ${type} ${rng.pick(FLAGS)} (198.51.100.53)\n`;
      if (chunk.length > 1 << 20) {
        bytes += writeSync(log, chunk);
        chunk = '';
      }
    }
    bytes += writeSync(log, chunk);
  } finally {
    closeSync(log);
  }
  return { indicators: list.length, lines: sizes.lines, bytes, matchLines, decoys };
}

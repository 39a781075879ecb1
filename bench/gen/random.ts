// Seeded pseudo-random values for the workload generators: the same seed writes the same files, so two
// runs of a bench measure the same workload. Names are built from syllables so they look like the
// random-but-pronounceable names malware and phishing kits register, not like hex noise.

/** mulberry32: a small, fast 32-bit generator; plenty for workloads, not for anything secret. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `count` lower-case hex digits. */
  hex(count: number): string {
    let out = '';
    while (out.length < count) out += ((this.next() * 4294967296) >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, count);
  }
}

const ONSETS = [
  'b',
  'c',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'z',
  'ch',
  'sh',
  'tr',
  'st',
  'br',
  'gr',
  'pl',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'y'];
const CODAS = ['', '', '', 'n', 'r', 's', 'x', 'l', 'm', 't'];
const WORDS = [
  'secure',
  'login',
  'account',
  'update',
  'verify',
  'cdn',
  'static',
  'api',
  'mail',
  'portal',
  'cloud',
  'online',
  'service',
  'support',
  'auth',
  'pay',
  'billing',
  'shop',
  'web',
  'app',
  'data',
  'sync',
  'files',
  'docs',
  'office',
  'bank',
  'post',
  'track',
  'delivery',
  'wallet',
  'id',
  'sso',
  'my',
  'get',
  'download',
  'free',
  'best',
  'news',
];
/** Weighted roughly like the TLDs of names in abuse feeds. */
const TLDS = [
  'com',
  'com',
  'com',
  'com',
  'com',
  'com',
  'net',
  'net',
  'org',
  'org',
  'jp',
  'jp',
  'ru',
  'ru',
  'info',
  'xyz',
  'xyz',
  'top',
  'online',
  'site',
  'shop',
  'cn',
  'de',
  'io',
  'co',
  'biz',
  'club',
  'app',
  'co.jp',
  'ne.jp',
  'com.br',
  'co.uk',
];
const SUBDOMAINS = [
  'www',
  'mail',
  'api',
  'cdn',
  'login',
  'secure',
  'app',
  'static',
  'update',
  'm',
  'img',
  'dl',
  'ns1',
  'portal',
];

/** One pronounceable label of `syllables` syllables, e.g. `kortavin`. */
export function syllableLabel(rng: Random, syllables: number): string {
  let out = '';
  for (let i = 0; i < syllables; i++)
    out += rng.pick(ONSETS) + rng.pick(VOWELS) + (i === syllables - 1 ? rng.pick(CODAS) : '');
  return out;
}

/** A registrable-looking label: `kortavin`, `secure-bralomi`, `tremoxa42`, `login-verify-stupa`. */
export function registrableLabel(rng: Random): string {
  const core = syllableLabel(rng, rng.between(2, 4));
  const shape = rng.int(10);
  if (shape < 5) return core;
  if (shape < 7) return `${rng.pick(WORDS)}-${core}`;
  if (shape < 9) return `${core}${rng.between(1, 999)}`;
  return `${rng.pick(WORDS)}-${rng.pick(WORDS)}-${core}`;
}

export function tld(rng: Random): string {
  return rng.pick(TLDS);
}

/** A domain of 2–4 labels (a two-label TLD such as co.jp counts as two). */
export function domainName(rng: Random): string {
  const suffix = tld(rng);
  const base = `${registrableLabel(rng)}.${suffix}`;
  const suffixLabels = suffix.includes('.') ? 2 : 1;
  // 2–4 labels in all: maybe one or two labels in front of the registrable name.
  const room = 4 - 1 - suffixLabels;
  const extra = Math.min(room, rng.next() < 0.55 ? 0 : rng.next() < 0.75 ? 1 : 2);
  let name = base;
  for (let i = 0; i < extra; i++) name = `${rng.next() < 0.6 ? rng.pick(SUBDOMAINS) : syllableLabel(rng, 2)}.${name}`;
  return name;
}

/** A subdomain label such as `www` or `cdn3`. */
export function subdomainLabel(rng: Random): string {
  return rng.next() < 0.7 ? rng.pick(SUBDOMAINS) : `${syllableLabel(rng, 1)}${rng.int(10)}`;
}

// First octets of public unicast space; 0, 10, 100, 127, 169, 172, 192, 198, 203 and 224+ are left out,
// so no generated address falls in a range the built-in allowlists hold (private, documentation, …).
const FIRST_OCTETS: number[] = [];
for (let o = 1; o < 224; o++) if (![10, 100, 127, 169, 172, 192, 198, 203].includes(o)) FIRST_OCTETS.push(o);

/** A public-looking IPv4 address. */
export function publicIpv4(rng: Random): string {
  return `${rng.pick(FIRST_OCTETS)}.${rng.int(256)}.${rng.int(256)}.${rng.between(1, 254)}`;
}

// The demo's small ISP, decided once from a seed: its subscribers (ja and en, with e-mail addresses), how each is
// connected (a public address of its own over PPPoE, or a shared address and a block of ports behind CGNAT), the two
// threat feeds' indicators, and who is in trouble — a few machines infected and calling C2 servers, a few people
// lured to phishing sites, a few sending spam or sharing films. Every file the demo writes is drawn from this, so what
// the dashboard should show (the heaviest C2 caller, the C2 name called most) is known here, not read back.
import { domainName, Random, registrableLabel, syllableLabel } from '../../bench/gen/random.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Where the ISP's public addresses and its CGNAT pool come from (documentation and shared address space). */
export const PUBLIC_PREFIX = '198.51.100.0/24';
export const CGNAT_PUBLIC_PREFIX = '203.0.113.0/24';
const PORT_BLOCK = 256;
const FIRST_PORT = 1024;
const BLOCKS_PER_ADDRESS = 40;

export type Subscriber = {
  id: string;
  name: string;
  email: string;
  locale: 'ja' | 'en';
  radiusUser: string;
  /** The address the resolver sees: public, or the 100.64/10 inside address behind CGNAT. */
  inside: string;
  /** Behind CGNAT: the shared public address and its port block. */
  cgnat: { address: string; firstPort: number; lastPort: number } | null;
};

export type Infection = { subscriber: Subscriber; c2: string; family: string; everyMinutes: number; since: number };
export type Lure = { subscriber: Subscriber; phishing: string; at: number };

export type World = {
  now: number;
  /** When the day of logs starts (24 hours before now). */
  dayStart: number;
  subscribers: Subscriber[];
  c2Domains: string[];
  c2Addresses: { address: string; port: number }[];
  phishingDomains: string[];
  benignNames: string[];
  infections: Infection[];
  lures: Lure[];
  spammers: Subscriber[];
  sharers: Subscriber[];
};

const FAMILY_NAMES = ['andromeda', 'qsnatch', 'mirai', 'emotet', 'lumma'];
const JA_FAMILY = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤', '吉田', '山田'];
const JA_GIVEN = ['太郎', '花子', '翔', '美咲', '健一', '陽菜', '大輔', '結衣', '直樹', '真央'];
const EN_NAMES = ['Alex Smith', 'Sam Taylor', 'Jordan Lee', 'Chris Brown', 'Morgan Davis', 'Robin Clark', 'Jamie Hall'];
const POPULAR = [
  'www.google.com',
  'www.yahoo.co.jp',
  'www.youtube.com',
  'line.me',
  'www.amazon.co.jp',
  'www.rakuten.co.jp',
  'x.com',
  'www.instagram.com',
  'www.nhk.or.jp',
  'weather.yahoo.co.jp',
  'www.wikipedia.org',
  'github.com',
  'www.apple.com',
  'teams.microsoft.com',
  'zoom.us',
  'news.yahoo.co.jp',
  'www.mercari.com',
  'www.nicovideo.jp',
  'mail.google.com',
  'update.microsoft.com',
];
const BRANDS = ['mufg', 'smbc', 'rakuten', 'amazon', 'apple', 'docomo', 'au', 'japanpost', 'sagawa', 'mizuho'];

export function buildWorld(options: { now?: number; subscribers?: number; seed?: number } = {}): World {
  const rng = new Random(options.seed ?? 0x6d697a75);
  // Whole minutes, so every stamp written from it is exact.
  const now = Math.floor((options.now ?? Date.now()) / 60_000) * 60_000;
  const dayStart = now - DAY_MS;
  const count = options.subscribers ?? 300;

  const subscribers: Subscriber[] = [];
  for (let n = 1; n <= count; n++) {
    const id = `S-${String(n).padStart(4, '0')}`;
    const english = rng.next() < 0.2;
    const name = english ? rng.pick(EN_NAMES) : `${rng.pick(JA_FAMILY)} ${rng.pick(JA_GIVEN)}`;
    // One in three behind CGNAT: 100.64.0.x inside, a shared public address and a block of 256 ports outside.
    const behindCgnat = n % 3 === 0;
    const k = Math.floor(n / 3);
    const cgnat = behindCgnat
      ? {
          address: `203.0.113.${10 + Math.floor(k / BLOCKS_PER_ADDRESS)}`,
          firstPort: FIRST_PORT + (k % BLOCKS_PER_ADDRESS) * PORT_BLOCK,
          lastPort: FIRST_PORT + (k % BLOCKS_PER_ADDRESS) * PORT_BLOCK + PORT_BLOCK - 1,
        }
      : null;
    subscribers.push({
      id,
      name,
      email: `${english ? 'user' : 'kanyu'}${n}@mail.example.jp`,
      locale: english ? 'en' : 'ja',
      radiusUser: `u${String(n).padStart(4, '0')}@isp.example.jp`,
      inside: behindCgnat ? `100.64.${Math.floor(k / 250)}.${1 + (k % 250)}` : `198.51.100.${n - k}`,
      cgnat,
    });
  }

  const taken = new Set<string>();
  const fresh = (make: () => string) => {
    for (;;) {
      const name = make();
      if (!taken.has(name)) {
        taken.add(name);
        return name;
      }
    }
  };
  const c2Domains = Array.from({ length: 1400 }, () => fresh(() => domainName(rng)));
  const c2Addresses = Array.from({ length: 600 }, () => ({
    address: fresh(() => `${rng.between(11, 99)}.${rng.int(256)}.${rng.int(256)}.${rng.between(1, 254)}`),
    port: rng.pick([443, 8080, 8443, 4444, 2222]),
  }));
  const phishingDomains = Array.from({ length: 1500 }, () =>
    fresh(() =>
      rng.next() < 0.5
        ? `${rng.pick(BRANDS)}-${syllableLabel(rng, 2)}.${rng.pick(['com', 'top', 'xyz', 'cn', 'shop'])}`
        : `${rng.pick(['login', 'secure', 'verify', 'account'])}.${registrableLabel(rng)}.${rng.pick(['com', 'net', 'top'])}`,
    ),
  );
  const benignNames = [...POPULAR, ...Array.from({ length: 400 }, () => fresh(() => domainName(rng)))];

  // Infected machines beacon to their C2 name at a steady rhythm. The first is the worst by far (every 5 minutes
  // for the whole day, so one sighting per five-minute window); the others call less often or since later.
  const shuffled = [...subscribers].sort(() => rng.next() - 0.5);
  const infections: Infection[] = shuffled.slice(0, 24).map((subscriber, i) => ({
    subscriber,
    c2: c2Domains[i === 0 ? 0 : 1 + (i % 7)]!,
    family: FAMILY_NAMES[i % FAMILY_NAMES.length]!,
    everyMinutes: i === 0 ? 5 : 20 + 5 * (i % 6),
    since: i === 0 ? dayStart : dayStart + rng.int(16) * HOUR_MS,
  }));
  const lures: Lure[] = shuffled.slice(24, 40).map((subscriber, i) => ({
    subscriber,
    phishing: phishingDomains[i % 9]!,
    at: dayStart + HOUR_MS + rng.int(22 * 60) * 60_000,
  }));
  return {
    now,
    dayStart,
    subscribers,
    c2Domains,
    c2Addresses,
    phishingDomains,
    benignNames,
    infections,
    lures,
    spammers: shuffled.slice(40, 43),
    sharers: [shuffled.slice(43).find((s) => s.cgnat !== null)!, shuffled.slice(43).find((s) => s.cgnat === null)!],
  };
}

/** What the dashboard must show for this world: the heaviest C2 caller and the C2 name called most. */
export function expectedTop(world: World): { subscriber: string; indicator: string } {
  const worst = world.infections[0]!;
  return { subscriber: worst.subscriber.id, indicator: worst.c2 };
}

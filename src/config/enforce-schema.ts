import { isIP } from 'node:net';
import { z } from 'zod';
import { CATEGORIES, type Category } from '../domain/indicator.js';
import { parseListen } from './listen.js';

// The `enforce:` section: which categories each network point carries, block or monitor, the guards
// every publish passes, and how each point is reached (listen addresses, files, reload commands).

const listenAddress = z.string().refine((v) => parseListen(v) !== undefined, {
  error: (iss) => `expected host:port such as 127.0.0.1:5300 or [::1]:5300, got ${JSON.stringify(iss.input)}`,
});

const action = z.enum(['block', 'monitor']);

const address = (family: 4 | 6) =>
  z.string().refine((v) => isIP(v) === family, {
    error: (iss) => `expected an IPv${family} address, got ${JSON.stringify(iss.input)}`,
  });

const network = z.string().refine((v) => isIP(v.split('/')[0] ?? '') !== 0, {
  error: (iss) => `expected an address or a prefix such as 192.0.2.0/24, got ${JSON.stringify(iss.input)}`,
});

/** A DNS name in presentation form, made absolute (trailing dot) and lower case. */
const dnsName = z
  .string()
  .regex(/^([a-zA-Z0-9_*-]{1,63}\.)*[a-zA-Z0-9_-]{1,63}\.?$/, 'expected a DNS name such as rpz.mizugiwa.')
  .transform((v) => (v.endsWith('.') ? v : `${v}.`).toLowerCase());

const categories = (defaults: readonly Category[]) => z.array(z.enum(CATEGORIES)).default([...defaults]);

/** Safe defaults for an ISP: what blocks on DNS is what a subscriber must never reach. */
const DNS_CATEGORIES: Category[] = ['c2', 'malware', 'phishing', 'botnet', 'blocklist'];

const tsigKey = z.strictObject({
  name: dnsName,
  algorithm: z.literal('hmac-sha256').default('hmac-sha256'),
  /** Base64, as `tsig-keygen` prints it. */
  secret: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected the base64 secret that tsig-keygen prints')
    .refine((v) => Buffer.from(v, 'base64').length >= 16, 'expected a secret of at least 16 bytes (128 bits)'),
});

const pointBase = {
  enabled: z.boolean(),
  /** Publish so the device logs what it would block, without blocking (shadow mode). */
  monitor: z.boolean().default(false),
  /** Run after the files are in place; a failure keeps the previous files live and raises an alert. */
  reload_command: z.string().default(''),
};

export const enforceSchema = z
  .strictObject({
    /** Every point in monitor mode at once: watch before blocking. */
    monitor: z.boolean().default(false),
    policy: z
      .strictObject({
        /** What each category does where a point carries it; monitor publishes it as log-only. */
        categories: z
          .partialRecord(z.enum(CATEGORIES), action)
          .default({})
          .transform((given) => ({ ...DEFAULT_CATEGORY_ACTIONS, ...given })),
        /** A source set to monitor never blocks, whatever its categories say. */
        sources: z.record(z.string(), action).default({}),
      })
      .prefault({}),
    /** A publish changing more than this is held until `mizugiwa enforce approve <point>`. */
    limits: z
      .strictObject({
        max_change_share: z.number().min(0).max(1).default(0.2),
        max_removals: z.number().int().min(0).default(10_000),
        /** Below this many live entries the share limit does not apply (a new, small list changes a lot). */
        min_entries_for_share: z.number().int().min(0).default(100),
      })
      .prefault({}),
    /** How often `serve` publishes (besides after each ingest and when a carried claim expires). */
    publish_every_seconds: z.number().int().min(5).max(86_400).default(60),
    /** Versions of each point kept with their diff counts and guard results. */
    keep_versions: z.number().int().min(2).default(50),
    rpz: z
      .strictObject({
        ...pointBase,
        enabled: z.boolean().default(true),
        categories: categories(DNS_CATEGORIES),
        listen: listenAddress.default('127.0.0.1:5300'),
        zone: dnsName.default('rpz.mizugiwa.'),
        /** What a listed name gets: the sinkhole's address, NXDOMAIN, NODATA, or no answer at all. */
        action: z.enum(['redirect', 'nxdomain', 'nodata', 'drop']).default('redirect'),
        sinkhole: z
          .strictObject({
            a: address(4).optional(),
            aaaa: address(6).optional(),
            /** A name to CNAME to instead of addresses (a sinkhole name in the ISP's own zone). */
            cname: dnsName.optional(),
          })
          .prefault({})
          .transform((s) => (s.a || s.aaaa || s.cname ? s : { a: '127.0.0.1', aaaa: '::1' })),
        /** Also trigger on IP and CIDR indicators in answers (rpz-ip). */
        ip_triggers: z.boolean().default(true),
        ttl: z.number().int().min(0).max(86_400).default(300),
        soa: z
          .strictObject({
            mname: dnsName.default('localhost.'),
            rname: dnsName.default('hostmaster.localhost.'),
            refresh: z.number().int().min(1).default(3600),
            retry: z.number().int().min(1).default(600),
            expire: z.number().int().min(1).default(604_800),
            minimum: z.number().int().min(0).default(60),
          })
          .prefault({}),
        /** Resolvers sent a NOTIFY on every change (host:port). */
        notify: z.array(listenAddress).default([]),
        /** Who may transfer the zone (addresses or prefixes). */
        allow_transfer: z.array(network).default(['127.0.0.0/8', '::1/128']),
        /** When set, transfers and notifies must be signed with this key (RFC 8945). */
        tsig: tsigKey.optional(),
        /** With tsig set: clients (within allow_transfer) that may still transfer unsigned, because they cannot sign (Unbound). */
        unsigned_transfer: z.array(network).default([]),
        /** The zone as a file too, for resolvers that only read files; empty: <data_dir>/rpz/<zone>zone. */
        zone_file: z.string().default(''),
        /** Deltas kept for IXFR; a secondary further behind gets the whole zone. */
        journal_versions: z.number().int().min(1).default(100),
      })
      .prefault({}),
    sinkhole: z
      .strictObject({
        enabled: z.boolean().default(true),
        listen: listenAddress.default('127.0.0.1:8081'),
        /** Answer TLS on this address by closing cleanly (443 in production); empty: not listened on. */
        tls_listen: z.string().default(''),
        /** Hits are subscriber traffic: housekeeping deletes them after this many days. */
        retention_days: z.number().int().min(1).default(90),
        /** Shown on the block page: who the subscriber should call or write to. */
        contact: z
          .strictObject({
            name_ja: z.string().default('サポートセンター'),
            name_en: z.string().default('Support centre'),
            phone: z.string().default(''),
            email: z.string().default(''),
            url: z.string().default(''),
          })
          .prefault({}),
      })
      .prefault({}),
    squid: z
      .strictObject({
        ...pointBase,
        enabled: z.boolean().default(false),
        categories: categories([...DNS_CATEGORIES]),
        /** Where the ACL files and the snippet go; empty: <data_dir>/squid. */
        dir: z.string().default(''),
        /** The block page squid redirects to (deny_info); empty: the sinkhole's own address. */
        deny_url: z.string().default(''),
        reload_command: z.string().default('squid -k reconfigure'),
      })
      .prefault({}),
    nftables: z
      .strictObject({
        ...pointBase,
        enabled: z.boolean().default(false),
        categories: categories([...DNS_CATEGORIES, 'scanner']),
        /** The script written; empty: <data_dir>/nftables/mizugiwa.nft. */
        file: z.string().default(''),
        /** `{file}` is replaced by the script's path. */
        reload_command: z.string().default('nft -f {file}'),
        table: z
          .string()
          .regex(/^[a-z][a-z0-9_]{0,31}$/, 'expected an nftables table name')
          .default('mizugiwa'),
        /** Log dropped packets (with a `mizugiwa` prefix) as well as dropping them. */
        log: z.boolean().default(true),
      })
      .prefault({}),
    postfix: z
      .strictObject({
        ...pointBase,
        enabled: z.boolean().default(false),
        categories: categories(['c2', 'botnet', 'spam', 'malware', 'phishing', 'blocklist']),
        /** Where the maps go; empty: <data_dir>/postfix. */
        dir: z.string().default(''),
        postmap_command: z.string().default('postmap'),
        reload_command: z.string().default('postfix reload'),
        /** The reject text (a 5xx code is added); shown to the sending server. */
        reject_reason: z.string().default('listed by Mizugiwa threat intelligence'),
      })
      .prefault({}),
  })
  .prefault({});

/** Defaults for an ISP: what is plainly malicious blocks; lists of lesser certainty are watched. */
export const DEFAULT_CATEGORY_ACTIONS: Record<Category, 'block' | 'monitor'> = {
  c2: 'block',
  malware: 'block',
  phishing: 'block',
  botnet: 'block',
  blocklist: 'block',
  scanner: 'block',
  spam: 'block',
  other: 'monitor',
};

export type EnforceConfig = z.output<typeof enforceSchema>;

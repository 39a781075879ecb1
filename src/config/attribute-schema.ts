import { z } from 'zod';
import { LEASE_FORMAT_NAMES } from '../attribute/lease-format.js';
import { inputName, listenAddress, zone } from './observe-schema.js';

// The `attribute:` section: where leases come from (files, directories, a radacct table, RADIUS
// accounting sent to Mizugiwa), how long they are kept, deterministic NAT mappings, and the billing
// system's directory for subscribers not imported.

const leaseFormat = z.enum(LEASE_FORMAT_NAMES);

/** Japanese ISPs keep connection logs three to six months; a source may say otherwise. */
const retentionDays = z.number().int().min(1).max(3650).optional();

const fileSource = z.strictObject({
  name: inputName,
  type: z.literal('file'),
  format: leaseFormat,
  /** Tailed: followed through growth and logrotate, with a durable position. */
  path: z.string().min(1),
  timezone: zone,
  retention_days: retentionDays,
});

const directorySource = z.strictObject({
  name: inputName,
  type: z.literal('directory'),
  format: leaseFormat,
  /** Every file in it whose name matches `pattern` is read, and read on as it grows (FreeRADIUS detail-%Y%m%d). */
  path: z.string().min(1),
  pattern: z.string().default('*'),
  poll_seconds: z.number().int().min(1).max(3600).default(10),
  timezone: zone,
  retention_days: retentionDays,
});

const radacctSource = z.strictObject({
  name: inputName,
  type: z.literal('radacct'),
  /** postgres://user@host/db or mysql://user:password@host/db of FreeRADIUS's SQL accounting. */
  url: z.string().regex(/^(postgres|postgresql|mysql|mariadb):\/\//, 'expected a postgres:// or mysql:// URL'),
  table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a plain table name such as radacct')
    .default('radacct'),
  poll_seconds: z.number().int().min(1).max(3600).default(30),
  timezone: zone,
  retention_days: retentionDays,
});

const radiusSource = z.strictObject({
  name: inputName,
  type: z.literal('radius'),
  /** UDP address Mizugiwa answers accounting on; add it as an extra accounting server on the NAS. */
  listen: listenAddress,
  clients: z
    .array(
      z.strictObject({
        /** The NAS's address or a CIDR it sends from. */
        address: z.string().min(1),
        secret: z.string().min(6, 'a RADIUS shared secret shorter than 6 characters is refused'),
      }),
    )
    .min(1, 'a RADIUS source needs at least one client (NAS address and shared secret)'),
  retention_days: retentionDays,
});

export const leaseSource = z.discriminatedUnion('type', [fileSource, directorySource, radacctSource, radiusSource]);
export type LeaseSourceConfig = z.infer<typeof leaseSource>;

const deterministicNat = z.strictObject({
  name: inputName,
  /** Inside (subscriber-side) prefix, e.g. 100.64.0.0/22. */
  inside: z.string().min(1),
  /** Outside (public) prefix the inside addresses are spread over. */
  outside: z.string().min(1),
  ports_first: z.number().int().min(0).max(65535).default(1024),
  ports_last: z.number().int().min(0).max(65535).default(65535),
  /** When the mapping took effect (ISO 8601), and, for a retired one, when it ended. */
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }).optional(),
});

const directory = z.strictObject({
  /** https://billing.example/api/subscribers?{kind}={key}: {key} and {kind} are filled in, URL-encoded. */
  url: z.string().regex(/^https?:\/\/.*\{key\}/, 'expected an http(s) URL containing {key}'),
  headers: z.record(z.string(), z.string()).default({}),
  timeout_ms: z.number().int().min(100).max(60_000).default(5000),
  /** Dotted JSON paths of the answer's fields: `customer.name`, `items[0].email`. */
  fields: z.strictObject({
    id: z.string().min(1),
    name: z.string().min(1),
    name_kana: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
    postal_address: z.string().optional(),
    contract: z.string().optional(),
    plan: z.string().optional(),
    status: z.string().optional(),
  }),
});

export const attributeSchema = z
  .strictObject({
    sources: z
      .array(leaseSource)
      .default([])
      .refine((s) => new Set(s.map((i) => i.name)).size === s.length, 'lease source names must be unique'),
    /** Clock difference allowed between the log that names an address and the lease logs. */
    skew_seconds: z.number().min(0).max(600).default(2),
    /** A session with no interim update for this many intervals is closed, its end estimated. */
    stale_after_intervals: z.number().int().min(2).max(100).default(3),
    /** How long intervals are kept after they end, unless a source says otherwise or a legal hold covers them. */
    retention_days: z.number().int().min(1).max(3650).default(180),
    deterministic_nat: z.array(deterministicNat).default([]),
    directory: directory.optional(),
    /** Sightings get the subscriber key that held their client address (an audited look-up per flush). */
    attribute_sightings: z.boolean().default(true),
  })
  .prefault({});

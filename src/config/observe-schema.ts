import { z } from 'zod';
import { LINE_FORMAT_NAMES } from '../observe/line-format.js';
import { parseListen } from './listen.js';

// The `observe:` section: the inputs Mizugiwa reads (log files it tails, dnstap sockets, a syslog
// server), how observations become sightings, and what of subscriber traffic may be kept.

export const listenAddress = z.string().refine((v) => parseListen(v) !== undefined, {
  error: (iss) => `expected host:port such as 127.0.0.1:5514 or [::1]:5514, got ${JSON.stringify(iss.input)}`,
});

/** Text log formats an input may name (src/observe/formats.ts); dnstap is its own input type. */
const logFormat = z.enum(LINE_FORMAT_NAMES);

/**
 * The device this input reads from enforces Mizugiwa's policy (the resolver loads the RPZ zone, the
 * proxy includes the ACLs…). Then a sighting its log does not mark either way counts as blocked, for
 * indicators in block mode at a point Mizugiwa blocks at; otherwise only what the log says counts.
 */
const enforced = z.boolean().default(false);

export const inputName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected a short lower-case name such as resolver1 or squid-log');

/** An IANA zone for log stamps written without one; empty: the machine's own zone. */
export const zone = z
  .string()
  .default('')
  .refine((v) => v === '' || isTimeZone(v), {
    error: (iss) => `expected an IANA time zone such as Asia/Tokyo or UTC, got ${JSON.stringify(iss.input)}`,
  });

const fileInput = z.strictObject({
  name: inputName,
  type: z.literal('file'),
  format: logFormat,
  path: z.string().min(1),
  /** With no stored position, start at the end (only new lines) rather than reading the whole file. */
  from_end: z.boolean().default(true),
  timezone: zone,
  enforced,
});

const dnstapInput = z
  .strictObject({
    name: inputName,
    type: z.literal('dnstap'),
    /** A unix socket path the resolver connects to (Unbound dnstap-socket-path, BIND dnstap-output unix). */
    unix: z.string().default(''),
    /** A TCP address the resolver connects to (Unbound dnstap-ip). */
    tcp: z.union([z.literal(''), listenAddress]).default(''),
    enforced,
  })
  .refine((v) => v.unix !== '' || v.tcp !== '', 'a dnstap input needs a unix socket path, a tcp address, or both');

const syslogInput = z
  .strictObject({
    name: inputName,
    type: z.literal('syslog'),
    udp: z.union([z.literal(''), listenAddress]).default(''),
    tcp: z.union([z.literal(''), listenAddress]).default(''),
    /** Which format reads a message, by its program (syslog tag); a tag not listed is counted and ignored. */
    programs: z.record(z.string().min(1), logFormat).default({
      named: 'bind-querylog',
      unbound: 'unbound-log',
      squid: 'squid',
      kernel: 'nftables-log',
      'postfix/smtpd': 'postfix',
      'postfix/qmgr': 'postfix',
      'postfix/cleanup': 'postfix',
      'postfix/postscreen': 'postfix',
    }),
    timezone: zone,
    enforced,
  })
  .refine((v) => v.udp !== '' || v.tcp !== '', 'a syslog input needs a udp address, a tcp address, or both');

export const observeInput = z.discriminatedUnion('type', [fileInput, dnstapInput, syslogInput]);
export type ObserveInputConfig = z.infer<typeof observeInput>;

export const observeSchema = z
  .strictObject({
    inputs: z
      .array(observeInput)
      .default([])
      .refine((inputs) => new Set(inputs.map((i) => i.name)).size === inputs.length, 'input names must be unique'),
    /** Matches of one indicator by one client at one point are counted together per window. */
    window_minutes: z.number().int().min(1).max(1440).default(5),
    /** Threads that parse and match; 0: one per core. */
    workers: z.number().int().min(0).max(64).default(0),
    /** Batches waiting per worker before inputs are held back (files, TCP) or datagrams dropped (UDP). */
    queue_per_worker: z.number().int().min(1).max(1024).default(8),
    /** How often sightings and file positions are written, together, in one transaction. */
    flush_ms: z.number().int().min(50).max(60_000).default(1000),
    sightings_retention_days: z.number().int().min(1).default(180),
    /** Per-minute counts of what was seen (not what): kept this long. */
    counts_retention_days: z.number().int().min(1).default(90),
    /**
     * Keeping every observation, matched or not, stores what subscribers looked up and reached: traffic
     * data under the secrecy of communications. Off by default; turn it on only with a lawful basis
     * (e.g. an incident under investigation), and keep it briefly.
     */
    store_raw: z
      .strictObject({
        enabled: z.boolean().default(false),
        retention_days: z.number().int().min(1).max(365).default(7),
      })
      .prefault({}),
  })
  .prefault({});

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

// A Lease is an interval in which someone held an address: a subscriber (RADIUS, DHCP, static) or, behind
// carrier-grade NAT, an inside address that held a block of ports on a public one. Lease sources produce
// LeaseEvents; the interval store turns the events of one session into one interval [start, end).

/** What identifies the holder in a lease: how it is joined to a subscriber record. */
export const SUBSCRIBER_KEY_KINDS = ['user', 'mac', 'circuit', 'client-id', 'subscriber'] as const;
export type SubscriberKeyKind = (typeof SUBSCRIBER_KEY_KINDS)[number];

export type LeaseAction = 'start' | 'update' | 'stop';

/** One thing a lease source said about one session. Times are ms since the epoch (UTC). */
export type LeaseEvent = {
  /**
   * Identifies the session within its source across its events: a Start, its Interim-Updates and its Stop
   * share it. Make it unique per address held (a RADIUS session holding an IPv4 address and a delegated
   * prefix is two sessions: append the address).
   */
  session: string;
  /** start: began at `at`; update: still held at `at` (interim update, renewal, snapshot); stop: ended at `at`. */
  action: LeaseAction;
  at: number;
  /** When the session began, if the record says so on an update or stop (Acct-Session-Time, DHCP `starts`). */
  startedAt?: number;
  /** When it ends unless renewed (DHCP expiry, a port block's known end). */
  expiresAt?: number;
  /** The address or prefix held, in canonical text: `192.0.2.7`, `2001:db8:1::/48`. A bare address is a /32 or /128. */
  address: string;
  /** CGNAT: the block of public ports on `address`, first and last inclusive. */
  ports?: [number, number];
  /** CGNAT: the inside (private) address that held `address`/`ports`; attribution goes on from it. */
  inside?: string;
  /** Who held it (RADIUS User-Name, MAC, circuit id, subscriber id); absent for CGNAT, where `inside` is the link. */
  subscriberKey?: string;
  keyKind?: SubscriberKeyKind;
  /** RADIUS: the NAS that reported the session (NAS-IP-Address or NAS-Identifier); a reset closes its sessions. */
  nas?: string;
  /** RADIUS Acct-Interim-Interval in seconds, when given: a session silent for N intervals is closed as stale. */
  interimSeconds?: number;
  /** Where the record is: `line 42` of the file being read, or a record id (`radacct 1234`). */
  evidence: string;
  /** Other attributes worth keeping as evidence (Calling-Station-Id, NAS-Port-Id, hostname …). Never secrets. */
  detail?: Record<string, string>;
};

/** RADIUS Accounting-On / Accounting-Off: the NAS restarted, so every session it had open ended at `at`. */
export type LeaseReset = { action: 'reset'; nas: string; at: number; evidence: string };

/** A record a lease format could not read: kept as a dead letter with where it was. */
export type LeaseRejected = { action: 'rejected'; reason: string; evidence: string; raw: string };

export type LeaseRecord = LeaseEvent | LeaseReset | LeaseRejected;

// What the network saw (DESIGN.md: Observation) and what of it matched an indicator (Sighting).

/** Where in the ISP's network something was seen; one per kind of device, not per device. */
export const OBSERVATION_POINTS = ['dns', 'proxy', 'firewall', 'mail', 'sinkhole'] as const;
export type ObservationPoint = (typeof OBSERVATION_POINTS)[number];

/**
 * One thing a point saw, as a parser reads it from a log line or a dnstap message. Plain data (it
 * crosses worker threads). Every field but time, point and client is optional: a parser fills in
 * what its input says and nothing it would have to guess.
 */
export type Observation = {
  /** When, in ms since the epoch (UTC). */
  time: number;
  point: ObservationPoint;
  /**
   * The device on the ISP's side as the point saw it: the resolver's or proxy's client, the firewall
   * packet's source, the mail server's SMTP client. Normalised text (RFC 5952 for IPv6, no brackets).
   */
  client: string;
  clientPort?: number;
  /** A name looked up or reached (DNS query name, HTTP host, SMTP client's host name). */
  domain?: string;
  /** Addresses reached or resolved: DNS answers, a packet's destination, a proxy's upstream address. */
  addresses?: string[];
  /** The destination port that goes with `addresses` (firewall, proxy CONNECT), for ip:port indicators. */
  port?: number;
  /** A full URL requested (proxy). */
  url?: string;
  /** A mail address (envelope sender). */
  email?: string;
  /** What the point did, when its log says so: true blocked, false let through; absent when it cannot tell. */
  blocked?: boolean;
  /** Short protocol facts kept with a sighting: query type and rcode, HTTP status, protocol, SMTP reply. */
  detail?: string;
};

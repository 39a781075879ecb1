import type { ObservationPoint } from '../domain/observation.js';
import { netfilterLog } from './firewall/netfilter-log.js';
import type { LineFormat, LineFormatName } from './line-format.js';
import { createPostfixLog } from './mail/postfix-log.js';
import { bindQueryLog } from './querylog/bind-querylog.js';
import { unboundLog } from './querylog/unbound-log.js';
import { squidAccessLog } from './squid/squid-access-log.js';

/**
 * How the pipeline gets a parser for a stream. Most formats read each line alone; a stateful one
 * (Postfix: a queue id's client is on an earlier line) gets an instance per stream, and all of a
 * stream's batches go to the same worker thread so that the instance sees every line in order.
 */
export type LineFormatEntry = {
  name: LineFormatName;
  point: ObservationPoint;
  stateful: boolean;
  create(): LineFormat;
};

const stateless = (format: LineFormat): LineFormatEntry => ({
  name: format.name,
  point: format.point,
  stateful: false,
  create: () => format,
});

export const LINE_FORMATS: Readonly<Record<LineFormatName, LineFormatEntry>> = {
  'bind-querylog': stateless(bindQueryLog),
  'unbound-log': stateless(unboundLog),
  squid: stateless(squidAccessLog),
  'nftables-log': stateless(netfilterLog),
  postfix: { name: 'postfix', point: 'mail', stateful: true, create: createPostfixLog },
};

/** The formats `observe replay --format` accepts: the text formats and dnstap's Frame Streams. */
export const REPLAY_FORMATS = [...(Object.keys(LINE_FORMATS) as LineFormatName[]), 'dnstap'] as const;
export type ReplayFormat = LineFormatName | 'dnstap';

import { isIPv6 } from 'node:net';

// The trace header the SMTP listener prepends (RFC 5321 section 4.4), so the stored evidence shows which host
// handed the report to Mizugiwa and when, like every other hop above it. The names in it come from the client
// (HELO) and are cleaned, so a hostile HELO cannot add header lines of its own.

export type ReceivedHop = {
  /** The name the client gave in HELO/EHLO, or undefined when it sent none. */
  helo: string | undefined;
  /** The peer's IP address as the socket saw it. */
  remoteAddress: string;
  /** This host's name. */
  by: string;
  /** SMTP, ESMTP, ESMTPS (RFC 3848). */
  protocol: string;
  /** The session's id, to find it in the listener's log. */
  id: string;
  /** The accepted recipients: named in a `for` clause only when there is one (RFC 5321 leaves it out for more). */
  recipients: readonly string[];
  at: Date;
};

/** The `Received:` header, folded, ending with `eol` (the message's own line ending). */
export function receivedHeader(hop: ReceivedHop, eol = '\r\n'): string {
  const from = `from ${hop.helo ? cleanName(hop.helo) : 'unknown'} (${addressLiteral(hop.remoteAddress)})`;
  const by = `by ${cleanName(hop.by)} (Mizugiwa) with ${cleanName(hop.protocol)} id ${cleanName(hop.id)}`;
  const only = hop.recipients.length === 1 ? cleanAddress(hop.recipients[0]!) : undefined;
  const stamp = `${only ? `for <${only}>` : ''}; ${rfc5322Date(hop.at)}`.trimStart();
  return `Received: ${from}${eol}\t${by}${eol}\t${stamp}${eol}`;
}

/** `[192.0.2.1]`, `[IPv6:2001:db8::1]`; an IPv4 peer seen on a dual-stack socket without its `::ffff:`. */
export function addressLiteral(address: string): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return isIPv6(plain) ? `[IPv6:${plain}]` : `[${plain}]`;
}

/** `Tue, 04 Mar 2025 10:00:00 +0000`: the date-time of RFC 5322 section 3.3, in UTC. */
export function rfc5322Date(at: Date): string {
  return at.toUTCString().replace(/GMT$/, '+0000');
}

/** A name as a Received header may carry it: printable, no spaces, no parentheses or semicolons. */
function cleanName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9.\-_:[\]]/g, '?').slice(0, 255);
  return cleaned === '' ? 'unknown' : cleaned;
}

function cleanAddress(address: string): string {
  return address.replace(/[^\x21-\x7e]|[<>;()]/g, '?').slice(0, 320);
}

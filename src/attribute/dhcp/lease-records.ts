import type { LeaseEvent, LeaseRejected } from '../../domain/lease.js';
import { normaliseCidr } from '../../net/cidr.js';
import { normaliseIp } from '../../net/ip.js';

// Builders of the records the DHCP formats return, so that a field a line does not have is absent rather
// than present and undefined (records are compared and stored as they are).

type Optional<T> = { [K in keyof T]?: T[K] | undefined };
type EventFields = Pick<LeaseEvent, 'session' | 'action' | 'at' | 'address' | 'evidence'> &
  Optional<Omit<LeaseEvent, 'session' | 'action' | 'at' | 'address' | 'evidence' | 'detail'>> & {
    detail?: Record<string, string | undefined>;
  };

export function leaseEvent(fields: EventFields): LeaseEvent {
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key === 'detail') continue;
    event[key] = value;
  }
  const detail: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields.detail ?? {})) if (value !== undefined) detail[key] = value;
  if (Object.keys(detail).length > 0) event.detail = detail;
  return event as LeaseEvent;
}

export function lineEvidence(line: number): string {
  return `line ${line}`;
}

export function rejectedLine(reason: string, line: number, raw: string): LeaseRejected {
  return { action: 'rejected', reason, evidence: lineEvidence(line), raw };
}

/** The line without the carriage return a file written on (or copied through) Windows ends it with. */
export function withoutCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** An IPv4 or IPv6 address in canonical text, undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  const normalised = normaliseIp(text);
  return normalised.ok ? normalised.indicator.value : undefined;
}

/** A prefix (`2001:db8:1::/56`) in canonical text, a full-length one as the bare address; undefined when invalid. */
export function canonicalPrefix(text: string): string | undefined {
  const normalised = normaliseCidr(text);
  return normalised.ok ? normalised.indicator.value : undefined;
}

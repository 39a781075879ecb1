import type { LeaseAction, LeaseEvent, LeaseRejected } from '../../domain/lease.js';
import type { LeaseFormatName } from '../lease-format.js';

/** What a carrier-grade NAT log says about one block of public ports (a single port is the block [p, p]). */
export type PortBlock = {
  format: LeaseFormatName;
  action: LeaseAction;
  at: number;
  /** The public (outside) address, canonical text. */
  address: string;
  ports: [number, number];
  /** The private (inside) address that held the block, canonical text. */
  inside: string;
  /** The routing instance the inside address lives in (VRF, service set, logical system), when the log names one. */
  scope?: string;
  /**
   * What else tells two holdings of the same block apart when the device logs per protocol or per flow
   * (`6/40000` for TCP from inside port 40000): without it, the delete of one flow would end another's interval.
   */
  qualifier?: string;
  line: number;
  detail?: Record<string, string>;
};

/**
 * The session a block's allocation, interim and release logs share:
 * `format[/scope]/inside/public/first-last[/qualifier]`. The inside address comes first because the same
 * public block is reused by other subscribers over time, and the scope because two VRFs may reuse one
 * private address.
 */
export function portBlockSession(block: Omit<PortBlock, 'action' | 'at' | 'line' | 'detail'>): string {
  const scope = block.scope === undefined ? '' : `${block.scope}/`;
  const qualifier = block.qualifier === undefined ? '' : `/${block.qualifier}`;
  return `${block.format}/${scope}${block.inside}/${block.address}/${block.ports[0]}-${block.ports[1]}${qualifier}`;
}

export function portBlockEvent(block: PortBlock): LeaseEvent {
  const event: LeaseEvent = {
    session: portBlockSession(block),
    action: block.action,
    at: block.at,
    address: block.address,
    ports: block.ports,
    inside: block.inside,
    evidence: `line ${block.line}`,
  };
  if (block.detail !== undefined && Object.keys(block.detail).length > 0) event.detail = block.detail;
  return event;
}

export function rejectedLine(reason: string, line: number, raw: string): LeaseRejected {
  return { action: 'rejected', reason, evidence: `line ${line}`, raw };
}

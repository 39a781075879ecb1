import type { LeaseEvent } from '../../src/domain/lease.js';

/** A RADIUS-style session: `user` holds `address` from `from` to `to` (epoch ms), as a start and a stop. */
export function leaseSession(user: string, address: string, from: number, to: number): LeaseEvent[] {
  const common = {
    session: `${user}/${from}`,
    address,
    subscriberKey: user,
    keyKind: 'user' as const,
    evidence: 'detail:1',
  };
  return [
    { ...common, action: 'start', at: from },
    { ...common, action: 'stop', at: to },
  ];
}

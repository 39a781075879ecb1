// What one DHCP reader remembers of the leases it has seen granted and not yet seen end, per address.
// Journals (dhcpd.leases, Kea's CSV and legal log) say "this address is held" again at every renewal and do
// not say whether it is the first time; and some of their end records no longer name the client (Kea clears
// the hardware address of a declined lease; an administrator deletes "the lease for address X"). Both are
// answered from here. A reader that starts in the middle of a journal has not seen the beginnings: its
// first record of a session then reads as a start, which the interval store takes as a renewal anyway.

export type HeldLease = { session: string; holder: string };

/** Past this many addresses the oldest-touched are forgotten: a pool never holds that many at once. */
const MAX_ADDRESSES = 1_000_000;

export class HeldLeases {
  private readonly byAddress = new Map<string, HeldLease>();

  /** Records that `session` holds `address`; true when it already did (a renewal), false when it is new. */
  hold(address: string, session: string, holder: string): boolean {
    const before = this.byAddress.get(address);
    // Deleted and set again so that the map's order is the order of last use, oldest first.
    this.byAddress.delete(address);
    this.byAddress.set(address, { session, holder });
    if (this.byAddress.size > MAX_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value!);
    return before?.session === session;
  }

  /** The lease on `address`, if one is held. */
  at(address: string): HeldLease | undefined {
    return this.byAddress.get(address);
  }

  /** The addresses `holder` holds, with their sessions. */
  heldBy(holder: string): [string, HeldLease][] {
    return [...this.byAddress].filter(([, lease]) => lease.holder === holder);
  }

  /** The lease on `address` ended (only when it is `session`'s, if one is given). */
  release(address: string, session?: string): void {
    const held = this.byAddress.get(address);
    if (held !== undefined && (session === undefined || held.session === session)) this.byAddress.delete(address);
  }
}

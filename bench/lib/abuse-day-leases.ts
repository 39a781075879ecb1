// Who held which IPv4 address during one day, read off the lease events the workload generator feeds to
// applyLeaseRecords — the generator's own record of the truth, independent of the interval store under test.
// The abuse intake bench draws its report rows from these: a row at a time inside a holder's interval names
// that holder's subscriber; a row inside a gap between two holders names nobody.
import type { LeaseEvent } from '../../src/domain/lease.js';
import type { LeaseBatch } from '../gen/leases.js';

export type HolderKind = 'dhcp' | 'pppoe' | 'cgnat';

/** One interval that overlaps the day: an address (and for CGNAT a port block) held from start to end. */
export type DayHolder = {
  kind: HolderKind;
  address: string;
  ports?: [number, number];
  /** CGNAT: the inside address that held the block; its PPPoE session names the subscriber. */
  inside?: string;
  /** The subscriber key: the MAC (DHCP), the RADIUS user name (PPPoE, and through the chain CGNAT). */
  key: string;
  keyKind: 'mac' | 'user';
  startMs: number;
  /** Infinity while still held when the history stops. */
  endMs: number;
};

/** A stretch of the day in which nobody held an address of the DHCP or PPPoE pools. */
export type DayGap = { address: string; fromMs: number; toMs: number };

type Open = { event: LeaseEvent; kind: HolderKind };

export class DayLeases {
  readonly holders: DayHolder[] = [];
  readonly gaps: DayGap[] = [];
  /** Every subscriber key the history names (the directory holds them all, not only the day's). */
  readonly keys = new Map<string, 'mac' | 'user'>();
  private readonly open = new Map<string, Open>();
  /** Per pool address: when its last holder let it go (the start of a possible gap). */
  private readonly releasedAt = new Map<string, number>();
  private finished = false;

  constructor(
    private readonly fromMs: number,
    private readonly toMs: number,
  ) {}

  observe(batch: LeaseBatch): void {
    const kind: HolderKind = batch.source === 'dhcp' ? 'dhcp' : batch.source === 'cgnat' ? 'cgnat' : 'pppoe';
    for (const e of batch.records as LeaseEvent[]) {
      if (e.address.includes(':')) continue; // event4 reports are IPv4: delegated /56s play no part
      if (e.subscriberKey !== undefined) this.keys.set(e.subscriberKey, e.keyKind === 'mac' ? 'mac' : 'user');
      const id = `${batch.source}\0${e.session}`;
      if (e.action === 'start') {
        if (kind !== 'cgnat') {
          const released = this.releasedAt.get(e.address);
          if (released !== undefined) this.gap(e.address, released, e.at);
        }
        this.open.set(id, { event: e, kind });
      } else if (e.action === 'stop') {
        const started = this.open.get(id);
        if (!started) throw new Error(`a stop without a start: ${batch.source} ${e.session}`);
        this.open.delete(id);
        if (kind !== 'cgnat') this.releasedAt.set(e.address, e.at);
        this.keep(started, e.at);
      }
    }
  }

  /** The history has stopped at `nowMs`: what is still open was held to the end of the day. */
  finish(nowMs: number): void {
    if (nowMs < this.toMs) {
      throw new Error(
        `the lease history stops at ${new Date(nowMs).toISOString()}, before the end of the report's day ${new Date(this.toMs).toISOString()}`,
      );
    }
    for (const o of this.open.values()) this.keep(o, Infinity);
    this.open.clear();
    this.resolveChains();
    this.finished = true;
  }

  /** The holders of each address, for the chain from a CGNAT block to its inside address's session. */
  private resolveChains(): void {
    const byAddress = new Map<string, DayHolder[]>();
    for (const h of this.holders) {
      if (h.kind !== 'pppoe') continue;
      const list = byAddress.get(h.address) ?? [];
      list.push(h);
      byAddress.set(h.address, list);
    }
    for (const h of this.holders) {
      if (h.kind !== 'cgnat') continue;
      // The generator places each block inside one session of its inside address.
      const session = byAddress.get(h.inside!)?.find((s) => s.startMs <= h.startMs && h.endMs <= s.endMs);
      if (!session) throw new Error(`CGNAT block on ${h.address} for ${h.inside}: no session of the inside address`);
      h.key = session.key;
    }
  }

  get done(): boolean {
    return this.finished;
  }

  private keep(o: Open, endMs: number): void {
    const e = o.event;
    if (e.at >= this.toMs || endMs <= this.fromMs) return;
    const h: DayHolder = {
      kind: o.kind,
      address: e.address,
      key: e.subscriberKey ?? '',
      keyKind: e.keyKind === 'mac' ? 'mac' : 'user',
      startMs: e.at,
      endMs,
    };
    if (e.ports) h.ports = e.ports;
    if (e.inside) h.inside = e.inside;
    this.holders.push(h);
  }

  private gap(address: string, fromMs: number, toMs: number): void {
    if (toMs > this.fromMs && fromMs < this.toMs) this.gaps.push({ address, fromMs, toMs });
  }
}

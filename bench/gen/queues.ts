// Small structures for the workload generators: an event queue in time order, a FIFO of ids, and a
// reservoir sample of fixed size over a stream of unknown length.
import type { Random } from './random.js';

/** A binary min-heap on (t, seq): events in time order, ties in the order they were scheduled. */
export class Heap<Item extends { t: number; seq: number }> {
  private readonly items: Item[] = [];
  get size(): number {
    return this.items.length;
  }
  push(item: Item): void {
    const a = this.items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (!before(item, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = item;
  }
  pop(): Item | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || !last) return top;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(a[r]!, a[l]!) ? r : l;
      const child = a[c]!;
      if (!before(child, last)) break;
      a[i] = child;
      i = c;
    }
    a[i] = last;
    return top;
  }
  remaining(): readonly Item[] {
    return this.items;
  }
}

function before(x: { t: number; seq: number }, y: { t: number; seq: number }): boolean {
  return x.t < y.t || (x.t === y.t && x.seq < y.seq);
}

/** A FIFO of numbers. */
export class Queue {
  private items: number[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: number): void {
    this.items.push(v);
  }
  shift(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head++];
    if (this.head > 65536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

/** Reservoir sampling (Algorithm R): `slot()` says where to keep the item just seen, or -1 to drop it. */
export class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;
  constructor(
    private readonly size: number,
    private readonly rng: Random,
  ) {}
  slot(): number {
    this.seen++;
    if (this.items.length < this.size) return this.items.length;
    const j = this.rng.int(this.seen);
    return j < this.size ? j : -1;
  }
  put(at: number, item: T): void {
    this.items[at] = item;
  }
}

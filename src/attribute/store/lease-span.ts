// The span class of a closed interval: the smallest s ≥ 0 with end - start ≤ 2^s seconds. An interval
// of class s that covers t ended in [t, t + 2^s s], which bounds a look-up's index range (see the
// 0006-lease-spans migration). The stores compute the class in SQL as they write; the definition is
// fixed, since every stored row carries it.
export const LEASE_SPAN_SQL = {
  sqlite: (startMs: string, endMs: string) => `cast(ceil(log2(max(1.0, (${endMs} - ${startMs}) / 1000.0))) as integer)`,
  postgres: (start: string, end: string) =>
    `ceil(log(2, greatest(1, extract(epoch from (${end} - ${start})))::numeric))::smallint`,
};

/** How long an interval of this span class can be, in ms: how far past a time its end can lie. */
export function spanReachMs(span: number): number {
  return 1000 * 2 ** span;
}

/** A cidr column's prefix length in IPv6 space (IPv4 /n is n + 96), as the SQLite keys write it. */
export const PG_LENGTH = (column: string) =>
  `(masklen(${column}) + case family(${column}) when 4 then 96 else 0 end)::smallint`;

/**
 * Exact canonical-URL lookup. Callers pass URLs normalised the same way as indicators (src/net/url.ts);
 * the host fallback ("this URL is not listed, but its host is") is the matcher's decision, not this index's.
 */
export type UrlIndex<T> = { lookup(url: string): T | undefined; readonly size: number };

export function buildUrlIndex<T>(entries: Iterable<{ url: string; value: T }>): UrlIndex<T> {
  const map = new Map<string, T>();
  for (const e of entries) if (!map.has(e.url)) map.set(e.url, e.value);
  return { size: map.size, lookup: (url) => map.get(url) };
}

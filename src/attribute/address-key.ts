import ipaddr from 'ipaddr.js';

// Addresses and prefixes in IPv6 space (IPv4 as ::ffff:a.b.c.d, its prefix lengths + 96), so that one
// index serves both families. The SQLite store keys an interval by its prefix length and masked
// network; a lookup asks for the key of each prefix length in use.

export type Prefix = { bytes: Uint8Array; length: number; v4: boolean };

/** `192.0.2.7`, `192.0.2.0/24`, `2001:db8::/48` → the prefix in IPv6 space; undefined if unreadable. */
export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  if (!ipaddr.isValid(addressText)) return undefined;
  const parsed = ipaddr.parse(addressText);
  const v4 = parsed.kind() === 'ipv4';
  const max = v4 ? 32 : 128;
  const length = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > max) return undefined;
  const bytes = Uint8Array.from(
    v4 ? (parsed as ipaddr.IPv4).toIPv4MappedAddress().toByteArray() : (parsed as ipaddr.IPv6).toByteArray(),
  );
  return { bytes, length: v4 ? length + 96 : length, v4 };
}

/** The 17-byte key of a prefix: its length, then its network with the host bits cleared. */
export function prefixKey(prefix: Prefix, length = prefix.length): Buffer {
  const key = Buffer.alloc(17);
  key[0] = length;
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, length - i * 8));
    key[i + 1] = (prefix.bytes[i] as number) & ((0xff << (8 - bits)) & 0xff);
  }
  return key;
}

/** The keys a stored prefix of each given length would have if it held `address`. */
export function coveringKeys(address: Prefix, lengths: readonly number[]): Buffer[] {
  // An IPv4 address is only ever held by IPv4 prefixes (96 and longer in IPv6 space), and an IPv6 one
  // never by those: the two families share the index, not their addresses.
  return lengths.filter((l) => l <= address.length && (address.v4 ? l >= 96 : true)).map((l) => prefixKey(address, l));
}

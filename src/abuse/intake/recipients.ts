// Which envelope recipients the SMTP listener takes mail for: configured addresses (`abuse@example.jp`) and whole
// domains (`@example.jp`). Both compare without case: RFC 5321 lets the local part be case-sensitive, but no
// mail system an ISP runs treats Abuse@ and abuse@ as two mailboxes, and a report must not bounce over it.

export type RecipientFilter = (address: string) => boolean;

export function recipientFilter(recipients: readonly string[]): RecipientFilter {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const recipient of recipients) {
    const normal = recipient.trim().toLowerCase();
    if (normal.startsWith('@')) domains.add(normal.slice(1));
    else addresses.add(normal);
  }
  return (address) => {
    const normal = address.trim().toLowerCase();
    const at = normal.lastIndexOf('@');
    if (at <= 0) return false;
    return addresses.has(normal) || domains.has(normal.slice(at + 1));
  };
}

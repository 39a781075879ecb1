// The identifiers DHCP servers write about a client (hardware address, client id, DUID, relay agent
// circuit id), each in one canonical text, so that the same client reads the same from every server's files:
// hex bytes are lower case, two digits each, colon-separated (`02:00:5e:00:53:01`).

const HEX_PAIRS = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})*$/;

/** Bytes from colon-separated hex (`2:0:5e` or `02:00:5E`), undefined when it is not that. */
export function hexBytes(text: string): number[] | undefined {
  if (!HEX_PAIRS.test(text)) return undefined;
  return text.split(':').map((pair) => parseInt(pair, 16));
}

/** Bytes from a plain hex run, with or without a leading `0x` (`0x0103726330`); undefined when it is not that. */
export function hexRunBytes(text: string): number[] | undefined {
  const digits = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < digits.length; i += 2) bytes.push(parseInt(digits.slice(i, i + 2), 16));
  return bytes;
}

export function hexText(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A hardware address or other colon-hex identifier in canonical text; undefined when it is not colon hex. */
export function canonicalHex(text: string): string | undefined {
  const bytes = hexBytes(text);
  return bytes === undefined ? undefined : hexText(bytes);
}

/** Printable ASCII only (what the servers print as text rather than hex). */
function isPrintable(bytes: readonly number[]): boolean {
  return bytes.length > 0 && bytes.every((b) => b >= 0x20 && b < 0x7f);
}

/**
 * A relay agent's circuit id (or remote id) as a subscriber key: the text when every byte is printable
 * (access switches and BRAS mostly send an interface name such as `ge-0/0/1.100`, which is what a subscriber
 * record holds), the colon hex otherwise. ISC dhcpd, Kea and dnsmasq each print the same rule, so the key of
 * one line is the same whichever server wrote it.
 */
export function agentIdText(bytes: readonly number[]): string {
  return isPrintable(bytes) ? String.fromCharCode(...bytes) : hexText(bytes);
}

/** The sub-options of a DHCP relay agent information option (82) that name the subscriber's line. */
export type AgentIds = { circuitId?: string; remoteId?: string; subscriberId?: string };

/** Reads option 82's sub-options (code, length, data ...); undefined when they do not add up. */
export function agentIdsFromOption82(bytes: readonly number[]): AgentIds | undefined {
  const ids: AgentIds = {};
  for (let i = 0; i < bytes.length;) {
    const code = bytes[i]!;
    const length = bytes[i + 1];
    if (length === undefined || i + 2 + length > bytes.length) return undefined;
    const data = bytes.slice(i + 2, i + 2 + length);
    if (data.length > 0) {
      if (code === 1) ids.circuitId = agentIdText(data);
      else if (code === 2) ids.remoteId = agentIdText(data);
      else if (code === 6) ids.subscriberId = agentIdText(data);
    }
    i += 2 + length;
  }
  return ids;
}

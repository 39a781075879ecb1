// The shape every input format has (feeds, logs, abuse reports, lease files): a pure transformation of
// bytes into records, where a record it cannot read becomes a Rejected instead of an exception.

/** A record a parser could not read, with enough to find it, fix the parser and replay it. */
export type Rejected = {
  rejected: true;
  /** What is wrong and, where possible, how to fix it: `line 12: "999.1.1.1" is not an IPv4 address`. */
  reason: string;
  /** Where: `urlhaus.csv:1042`, `byte 88`, `message <id@example>`. */
  position: string;
  raw: Uint8Array;
};

/** What a parser may know about its input besides the bytes; never a clock or a connection of its own. */
export type ParseContext = {
  /** The configured source the bytes come from, for positions and defaults. */
  source: string;
  /** A name for the input (file name, URL, mailbox), used in positions. */
  input: string;
  /** The time to treat as now (feeds without dates take it as first seen). */
  now: Date;
};

export interface Format<T> {
  /** The name used in config, on the command line and in dead letters. */
  name: string;
  /** "Does this look like me?": for auto-detection and for catching a feed that changed format. */
  sniff?(head: Uint8Array): boolean;
  parse(input: AsyncIterable<Uint8Array>, ctx: ParseContext): AsyncIterable<T | Rejected>;
}

export function isRejected(value: unknown): value is Rejected {
  return typeof value === 'object' && value !== null && (value as { rejected?: unknown }).rejected === true;
}

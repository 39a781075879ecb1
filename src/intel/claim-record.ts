import type { Category, ClaimMode, IndicatorType, Tlp } from '../domain/indicator.js';

/**
 * What an intel format yields for each indicator it reads: the value as the feed wrote it and what
 * the feed says about it. Formats do not normalise (ingest does, in one place, and rejects what is
 * invalid into the dead-letter store using `position` and `raw`); they only pick fields out of their
 * format and say what they know. Anything the format does not say is left out, and the source's
 * defaults fill it in at ingest.
 */
export type ClaimRecord = {
  /** The indicator type when the format says it (ThreatFox ioc_type, MISP attribute type); else inferred at ingest. */
  type?: IndicatorType;
  /** The value exactly as in the feed (trimmed): `Example.COM.`, `hxxp://…` is NOT defanged here. */
  value: string;
  category?: Category;
  /** 0–100. */
  confidence?: number;
  tags?: string[];
  /** ISO 8601 UTC. */
  firstSeen?: string;
  lastSeen?: string;
  validUntil?: string;
  tlp?: Tlp;
  /** A URL with more about this indicator (the feed's own page for it). */
  reference?: string;
  /** Set when the format itself says the claim must not block (MISP to_ids false). */
  mode?: ClaimMode;
  /** The row's other fields, kept as the feed gave them (malware family, threat type, reporter, …). */
  attributes?: Record<string, unknown>;
  /** Where the record came from: `<ctx.input>:<line>` for line formats, `<file>#<object id>` for JSON. */
  position: string;
  /** The bytes of the record (the line, the JSON object), for the dead-letter store if ingest rejects it. */
  raw: Uint8Array;
};

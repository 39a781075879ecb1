// An abuse event: one normalised item from an abuse report (an ARF feedback report, an X-ARF report,
// one row of a Shadowserver CSV, an ACNS notice, a row of a spreadsheet), classified with the ENISA
// Reference Security Incident Taxonomy (RSIT), machine-readable values as IntelMQ uses them. Events are
// attributed to a subscriber by address, port and time, then grouped into cases per subscriber and type.

export const RSIT = {
  'abusive-content': ['spam', 'harmful-speech', 'violence'],
  'malicious-code': ['infected-system', 'c2-server', 'malware-distribution', 'malware-configuration'],
  'information-gathering': ['scanner', 'sniffing', 'social-engineering'],
  'intrusion-attempts': ['ids-alert', 'brute-force', 'exploit'],
  intrusions: [
    'privileged-account-compromise',
    'unprivileged-account-compromise',
    'application-compromise',
    'system-compromise',
    'burglary',
  ],
  availability: ['ddos', 'dos', 'outage', 'sabotage'],
  'information-content-security': [
    'unauthorised-information-access',
    'unauthorised-information-modification',
    'data-loss',
    'data-leak',
  ],
  fraud: ['unauthorised-use-of-resources', 'copyright', 'masquerade', 'phishing'],
  vulnerable: [
    'weak-crypto',
    'ddos-amplifier',
    'potentially-unwanted-accessible',
    'information-disclosure',
    'vulnerable-system',
  ],
  other: ['other', 'undetermined'],
  test: ['test'],
} as const;

export type RsitTaxonomy = keyof typeof RSIT;
export type RsitType = (typeof RSIT)[RsitTaxonomy][number];

export const RSIT_TYPES: readonly RsitType[] = Object.values(RSIT).flat();

const TAXONOMY_OF = new Map<string, RsitTaxonomy>(
  Object.entries(RSIT).flatMap(([taxonomy, types]) => types.map((t) => [t, taxonomy as RsitTaxonomy])),
);

export function isRsitType(value: string): value is RsitType {
  return TAXONOMY_OF.has(value);
}

/** The taxonomy (top level) a type belongs to. */
export function rsitTaxonomy(type: RsitType): RsitTaxonomy {
  return TAXONOMY_OF.get(type)!;
}

/** One end of what was reported: the ISP's side is `source`, the other party (victim, sinkhole, sensor) `destination`. */
export type AbuseEndpoint = {
  /** An IPv4 or IPv6 address, as written by `net/` helpers (no brackets, no port). */
  address?: string | undefined;
  port?: number | undefined;
  hostname?: string | undefined;
  url?: string | undefined;
  asn?: number | undefined;
};

export type AbuseEvent = {
  /** The case class. */
  type: RsitType;
  /** A finer name the reporter uses: a malware family (`mirai`), a Shadowserver tag, an ARF feedback type. */
  identifier?: string | undefined;
  /** When the reported thing happened (ISO 8601 UTC), not when the report arrived. */
  time: string;
  /** The ISP's side: the address (and port, behind CGNAT) that attribution looks up. */
  source: AbuseEndpoint;
  destination?: AbuseEndpoint | undefined;
  /** Transport or application protocol as reported (`tcp`, `udp`, `bittorrent`, `smtp`). */
  protocol?: string | undefined;
  /** Who reported it: `shadowserver`, the feedback loop's domain, the rights holder, `jpcert`. */
  reporter: string;
  /** The report's own kind: a Shadowserver report type, `arf:abuse`, `xarf:login-attack`, `acns`. */
  reportType: string;
  /** Where in the input: `2026-11-20-scan_ssh-asn64500.csv:1042`, `message <id@example>`. */
  evidence: string;
  /** The reporter's fields Mizugiwa has no column for, kept for the notice and the case (strings only). */
  detail?: Record<string, string> | undefined;
  /** True when the parser could not classify with certainty (an unknown Shadowserver report type): a person checks. */
  needsReview?: boolean | undefined;
};

/** What a free-text mail yields: things a person may turn into events by hand, never events themselves. */
export type TriageSuggestion = {
  suggestion: true;
  kind: 'address' | 'url' | 'time' | 'hostname';
  value: string;
  /** The text around it, so the person triaging sees why it was picked. */
  context: string;
  evidence: string;
};

export function isTriageSuggestion(value: unknown): value is TriageSuggestion {
  return typeof value === 'object' && value !== null && (value as { suggestion?: unknown }).suggestion === true;
}

/** How an allowlist entry matches. MISP warninglists call these string, hostname, cidr, regex and substring. */
export const ALLOW_KINDS = ['exact', 'hostname', 'cidr', 'regex', 'substring'] as const;
export type AllowKind = (typeof ALLOW_KINDS)[number];

/** block: indicators it covers are suppressed (kept, never exported for blocking); inform: kept, flagged for review. */
export type AllowMode = 'block' | 'inform';

export type AllowEntry = { kind: AllowKind; value: string; comment?: string | undefined };

export type Allowlist = {
  name: string;
  mode: AllowMode;
  entries: AllowEntry[];
};

/** Which list and entry covered an indicator: stored on the claim so an operator can see why. */
export type AllowVerdict = { list: string; entry: string; mode: AllowMode };

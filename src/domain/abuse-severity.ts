import { isRsitType, RSIT_TYPES, rsitTaxonomy, type RsitTaxonomy, type RsitType } from './abuse-event.js';

// How bad a case is, for the desk's queue: every case is one class (an RSIT type), so its severity is
// its class's. The order puts an attacker in control of the subscriber's machine, and harm done to
// others now, above an exposure that may be abused later:
//   critical  an intrusion (a compromised system or account), a C2 server or a malware distribution point
//   high      other malicious code (an infected system), phishing, an exploit attempt, DoS sent from the
//             subscriber, leaked or altered information
//   medium    spam and other abusive content, scanning and brute force, misuse of resources
//   low       a vulnerable or exposed service, copyright notices, other and test
// Sorting by severity orders by this rank, then by the latest event.

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const BY_TAXONOMY: Record<RsitTaxonomy, Severity> = {
  intrusions: 'critical',
  'malicious-code': 'high',
  availability: 'high',
  'information-content-security': 'high',
  'intrusion-attempts': 'medium',
  'information-gathering': 'medium',
  'abusive-content': 'medium',
  fraud: 'medium',
  vulnerable: 'low',
  other: 'low',
  test: 'low',
};

const BY_TYPE: Partial<Record<RsitType, Severity>> = {
  'c2-server': 'critical',
  'malware-distribution': 'critical',
  phishing: 'high',
  exploit: 'high',
  outage: 'medium',
  sabotage: 'medium',
  copyright: 'low',
};

export function severityOf(type: string): Severity {
  if (!isRsitType(type)) return 'low';
  return BY_TYPE[type] ?? BY_TAXONOMY[rsitTaxonomy(type)];
}

/** 1 (low) to 4 (critical), for sorting. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity) + 1;
}

/** The classes of one severity, for ranking in a query. */
export function typesOfSeverity(severity: Severity): RsitType[] {
  return RSIT_TYPES.filter((t) => severityOf(t) === severity);
}

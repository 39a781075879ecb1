// The classes (ENISA RSIT types) an abuse event and a case can have, in the server's order
// (src/domain/abuse-event.ts), and their names in the UI's language: the case queue's filter, a case's class, the
// class select of a CSV mapping, the names of notice templates. A class the UI does not know (added on the server
// later) shows as it is.
import type { TFunction } from 'i18next';

export const RSIT_TYPES = [
  'spam',
  'harmful-speech',
  'violence',
  'infected-system',
  'c2-server',
  'malware-distribution',
  'malware-configuration',
  'scanner',
  'sniffing',
  'social-engineering',
  'ids-alert',
  'brute-force',
  'exploit',
  'privileged-account-compromise',
  'unprivileged-account-compromise',
  'application-compromise',
  'system-compromise',
  'burglary',
  'ddos',
  'dos',
  'outage',
  'sabotage',
  'unauthorised-information-access',
  'unauthorised-information-modification',
  'data-loss',
  'data-leak',
  'unauthorised-use-of-resources',
  'copyright',
  'masquerade',
  'phishing',
  'weak-crypto',
  'ddos-amplifier',
  'potentially-unwanted-accessible',
  'information-disclosure',
  'vulnerable-system',
  'other',
  'undetermined',
  'test',
] as const;
export type RsitType = (typeof RSIT_TYPES)[number];

export function isRsitType(value: string): value is RsitType {
  return (RSIT_TYPES as readonly string[]).includes(value);
}

export function classLabel(type: string, t: TFunction): string {
  return isRsitType(type) ? t(`classes.${type}`) : type;
}

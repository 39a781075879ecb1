/** The format names used in config, on the command line and in dead letters. */
export const INTEL_FORMAT_NAMES = [
  'plain',
  'hosts',
  'csv',
  'urlhaus',
  'threatfox-csv',
  'threatfox-json',
  'feodo-csv',
  'feodo-json',
  'spamhaus-drop',
  'misp-feed',
  'stix',
  'rpz',
] as const;
export type IntelFormatName = (typeof INTEL_FORMAT_NAMES)[number];

export type { SubscriberKey, SubscriberRecord, SubscriberStatus } from './subscriber-record.js';
export { SUBSCRIBER_STATUSES } from './subscriber-record.js';
export { parseSubscriberCsv, SubscriberCsvHeaderError, type SubscriberCsvItem } from './subscriber-csv.js';
export { DirectoryLookupError, httpDirectory, type HttpDirectory } from './http-directory.js';
export {
  httpDirectoryConfigProblems,
  type HttpDirectoryConfig,
  type HttpDirectoryFields,
} from './http-directory-config.js';
export { normaliseMac, normaliseSubscriberEmail } from './subscriber-values.js';

// abuse.ch URLhaus CSV dumps (https://urlhaus.abuse.ch/downloads/csv_recent/, csv_online/, csv/): a `#` comment
// block whose last line names the columns, then one quoted row per malware-distribution URL:
//   # id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
//   "3311234","2026-11-20 13:45:12","http://192.0.2.10/bin.sh","online","2026-11-20 14:00:03","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/3311234/","reporter"

import type { Format } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { abuseChTime, firstDataLine, headText, present, splitTags } from './abusech.js';
import { readAbuseChCsv, type AbuseChCsv } from './abusech-csv.js';

const COLUMNS = [
  'id',
  'dateadded',
  'url',
  'url_status',
  'last_online',
  'threat',
  'tags',
  'urlhaus_link',
  'reporter',
] as const;
type Column = (typeof COLUMNS)[number];

// The dumps comment their column line; an uncommented one (`id,…,url,…`) is passed over, not taken as the layout.
const URLHAUS_CSV: AbuseChCsv<Column> = {
  columns: COLUMNS,
  required: ['url', 'dateadded'],
  marker: 'id',
  commented: 'checked',
  uncommented: 'skipped',
  isColumnLine: (fields, columns) => fields[0] === 'id' && fields[columns.index.url] === 'url',
  row(fields, columns, line, position) {
    const url = columns.get(fields, 'url').trim();
    if (url === '') return 'column url is empty';
    const dateadded = columns.get(fields, 'dateadded');
    const firstSeen = abuseChTime(dateadded);
    if (firstSeen === undefined) {
      return `column dateadded ${JSON.stringify(dateadded)} is not a time like 2026-11-20 13:45:12`;
    }
    const lastOnline = columns.get(fields, 'last_online');
    let lastSeen: string | undefined;
    if (present(lastOnline)) {
      lastSeen = abuseChTime(lastOnline);
      if (lastSeen === undefined) {
        return `column last_online ${JSON.stringify(lastOnline)} is not a time like 2026-11-20 13:45:12`;
      }
    }
    const threat = columns.get(fields, 'threat');
    const record: ClaimRecord = {
      type: 'url',
      value: url,
      // URLhaus lists malware-distribution URLs (threat "malware_download"); any other threat it may add is kept
      // as "other" so policy, not this parser, decides what to do with it.
      category: threat === 'malware_download' ? 'malware' : 'other',
      firstSeen,
      position,
      raw: line.raw,
    };
    // last_online is when URLhaus last found the URL serving its payload: the feed's own "last seen".
    if (lastSeen !== undefined) record.lastSeen = lastSeen;
    const tags = splitTags(columns.get(fields, 'tags'));
    if (tags) record.tags = tags;
    const link = columns.get(fields, 'urlhaus_link');
    if (present(link)) record.reference = link;
    const attributes: Record<string, unknown> = {};
    for (const name of ['id', 'url_status', 'last_online', 'threat', 'reporter'] as const) {
      const value = columns.get(fields, name);
      if (present(value)) attributes[name] = value;
    }
    record.attributes = attributes;
    return record;
  },
};

export const urlhausFormat: Format<ClaimRecord> = {
  name: 'urlhaus',

  // The dumps open with a `#` banner naming URLhaus or with the column line; the first row is fully quoted.
  sniff(head) {
    const text = headText(head);
    if (!text.startsWith('#')) return false;
    if (!text.includes('URLhaus') && !text.includes('id,dateadded,url')) return false;
    const first = firstDataLine(text, '#');
    return first === undefined || first.startsWith('"');
  },

  parse(input, ctx) {
    return readAbuseChCsv(input, ctx, URLHAUS_CSV);
  },
};

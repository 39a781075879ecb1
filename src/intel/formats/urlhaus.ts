// abuse.ch URLhaus CSV dumps (https://urlhaus.abuse.ch/downloads/csv_recent/, csv_online/, csv/): a `#` comment
// block whose last line names the columns, then one quoted row per malware-distribution URL:
//   # id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
//   "3311234","2026-11-20 13:45:12","http://192.0.2.10/bin.sh","online","2026-11-20 14:00:03","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/3311234/","reporter"

import type { Format } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import {
  abuseChTime,
  Columns,
  commentColumns,
  firstDataLine,
  headText,
  present,
  rejectLine as reject,
  splitCsvLine,
  splitTags,
} from './abusech.js';
import { readLines } from './lines.js';

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
const REQUIRED: readonly Column[] = ['url', 'dateadded'];

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

  async *parse(input, ctx) {
    let columns = new Columns<Column>(COLUMNS, COLUMNS);
    for await (const line of readLines(input)) {
      const text = line.text;
      if (text.length === 0) continue;
      const position = `${ctx.input}:${line.number}`;
      const c0 = text.charCodeAt(0);
      if (c0 === 0x23) {
        const names = commentColumns(text, 'id');
        if (names) {
          const next = new Columns<Column>(names, COLUMNS);
          const missing = next.missing(REQUIRED);
          if (missing.length > 0) {
            yield reject(
              line.number,
              `the column line lacks ${missing.join(', ')}; keeping the known layout`,
              position,
              line.raw,
            );
          } else columns = next;
        }
        continue;
      }
      if ((c0 === 0x20 || c0 === 0x09) && text.trim() === '') continue;
      const fields = splitCsvLine(text);
      if (typeof fields === 'string') {
        yield reject(line.number, fields, position, line.raw);
        continue;
      }
      if (fields[0] === 'id' && fields[columns.index.url] === 'url') continue; // an uncommented header row
      if (fields.length !== columns.count) {
        const reason = `expected ${columns.count} columns (${columns.names.join(',')}), found ${fields.length}`;
        yield reject(line.number, reason, position, line.raw);
        continue;
      }
      const url = columns.get(fields, 'url').trim();
      if (url === '') {
        yield reject(line.number, 'column url is empty', position, line.raw);
        continue;
      }
      const dateadded = columns.get(fields, 'dateadded');
      const firstSeen = abuseChTime(dateadded);
      if (firstSeen === undefined) {
        const reason = `column dateadded ${JSON.stringify(dateadded)} is not a time like 2026-11-20 13:45:12`;
        yield reject(line.number, reason, position, line.raw);
        continue;
      }
      const lastOnline = columns.get(fields, 'last_online');
      let lastSeen: string | undefined;
      if (present(lastOnline)) {
        lastSeen = abuseChTime(lastOnline);
        if (lastSeen === undefined) {
          const reason = `column last_online ${JSON.stringify(lastOnline)} is not a time like 2026-11-20 13:45:12`;
          yield reject(line.number, reason, position, line.raw);
          continue;
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
      yield record;
    }
  },
};

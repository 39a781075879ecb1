// abuse.ch Feodo Tracker botnet C2 IP blocklist, JSON (https://feodotracker.abuse.ch/downloads/ipblocklist.json):
// an array of objects, hostname null when there is none, first_seen left out when unknown:
//   [ { "ip_address": "192.0.2.80", "port": 443, "status": "online", "hostname": null, "as_number": 64500,
//       "as_name": "EXAMPLE-AS", "country": "JP", "first_seen": "2026-11-20 13:45:12", "last_online": "2026-11-21",
//       "malware": "QakBot" } ]
// Streamed with stream-json; mapped like feodo-csv (the address is the indicator, the port an attribute).

import type { Format, Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { headText, jsonType, present, readJsonExport } from './abusech.js';
import { feodoClaim } from './feodo-csv.js';
import { utf8 } from './lines.js';

const KEPT = ['port', 'status', 'hostname', 'as_number', 'as_name', 'country', 'last_online', 'malware'] as const;

export const feodoJsonFormat: Format<ClaimRecord> = {
  name: 'feodo-json',

  // An array whose first element (within the first 4 KiB) has Feodo Tracker's ip_address and as_number fields.
  sniff(head) {
    const text = headText(head);
    return text.startsWith('[') && text.includes('"ip_address"') && text.includes('"as_number"');
  },

  async *parse(input, ctx) {
    for await (const item of readJsonExport(input, 'array')) {
      if (item.kind === 'fatal') {
        yield reject(`${ctx.input}@${item.offset}`, item.reason, item.text);
        return;
      }
      if (item.kind === 'misplaced') continue; // the array layout has no such position
      // The position is the element's 0-based index in the array.
      const position = `${ctx.input}:${item.index}`;
      const raw = utf8(item.text);
      const entry = item.value;
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        const reason = `element ${item.index}: ${jsonType(entry)}, expected an object`;
        yield { rejected: true, reason, position, raw };
        continue;
      }
      const fields = entry as Record<string, unknown>;
      const attributes: Record<string, unknown> = {};
      for (const name of KEPT) {
        const value = fields[name];
        if (present(value)) attributes[name] = value;
      }
      if (typeof fields.ip_address !== 'string') {
        const reason = `element ${item.index}: field ip_address is ${jsonType(fields.ip_address)}, expected a string`;
        yield { rejected: true, reason, position, raw };
        continue;
      }
      const claim = feodoClaim(
        { ip: fields.ip_address, firstSeen: fields.first_seen, lastOnline: fields.last_online, attributes },
        { ip: 'ip_address', firstSeen: 'first_seen' },
        position,
        raw,
      );
      yield typeof claim === 'string'
        ? { rejected: true, reason: `element ${item.index}: field ${claim}`, position, raw }
        : claim;
    }
  },
};

function reject(position: string, reason: string, text: string): Rejected {
  return { rejected: true, reason, position, raw: utf8(text) };
}

// abuse.ch ThreatFox JSON exports (https://threatfox.abuse.ch/export/json/recent/, …/full/): one object keyed by
// IOC id, each holding an array with the IOC (field names as in the CSV export, `malware` for fk_malware, tags as
// one comma-separated string or null):
//   { "1650001": [ { "ioc_value": "192.0.2.44:8443", "ioc_type": "ip:port", "threat_type": "botnet_cc",
//       "malware": "win.cobalt_strike", "malware_alias": null, "malware_printable": "Cobalt Strike",
//       "first_seen_utc": "2026-11-20 13:45:12", "last_seen_utc": null, "confidence_level": 75,
//       "is_compromised": false, "reference": null, "tags": "c2,CobaltStrike", "anonymous": "0", "reporter": "…" } ] }
// Streamed with stream-json: a full dump is hundreds of MB.

import type { Format, Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { headText, jsonType, present, readJsonExport } from './abusech.js';
import { isId, threatFoxClaim } from './threatfox-csv.js';
import { utf8 } from './lines.js';

const KEPT = [
  'ioc_type',
  'threat_type',
  'malware',
  'malware_alias',
  'malware_printable',
  'is_compromised',
  'reference',
  'anonymous',
  'reporter',
] as const;

export const threatfoxJsonFormat: Format<ClaimRecord> = {
  name: 'threatfox-json',

  // An object whose first IOC (within the first 4 KiB) has ThreatFox's ioc_value/ioc_type/threat_type fields.
  sniff(head) {
    const text = headText(head);
    return (
      text.startsWith('{') &&
      text.includes('"ioc_value"') &&
      text.includes('"ioc_type"') &&
      text.includes('"threat_type"')
    );
  },

  async *parse(input, ctx) {
    for await (const item of readJsonExport(input, 'object-of-arrays')) {
      if (item.kind === 'fatal') {
        yield reject(`${ctx.input}@${item.offset}`, item.reason, item.text);
        return;
      }
      const id = String(item.key);
      if (item.kind === 'misplaced') {
        const reason = `id ${id}: the value is ${jsonType(item.value)}, expected an array of IOC objects`;
        yield reject(`${ctx.input}#${id}`, reason, item.text);
        continue;
      }
      // One IOC per id in practice; a second element of the same id gets its index in the position.
      const position = item.index === 0 ? `${ctx.input}#${id}` : `${ctx.input}#${id}[${item.index}]`;
      const raw = utf8(item.text);
      const ioc = item.value;
      if (typeof ioc !== 'object' || ioc === null || Array.isArray(ioc)) {
        yield { rejected: true, reason: `id ${id}: the IOC is ${jsonType(ioc)}, expected an object`, position, raw };
        continue;
      }
      if (!isId(id)) {
        yield { rejected: true, reason: `id ${JSON.stringify(id)} is not a number`, position, raw };
        continue;
      }
      const fields = ioc as Record<string, unknown>;
      const attributes: Record<string, unknown> = { ioc_id: id };
      for (const name of KEPT) {
        const value = fields[name];
        if (present(value)) attributes[name] = value;
      }
      const tags = fields.tags;
      if (present(tags) && typeof tags !== 'string') {
        const reason = `id ${id}: field tags is ${jsonType(tags)}, expected a comma-separated string or null`;
        yield { rejected: true, reason, position, raw };
        continue;
      }
      const claim = threatFoxClaim(
        {
          id,
          value: fields.ioc_value,
          iocType: fields.ioc_type,
          threatType: fields.threat_type,
          firstSeen: fields.first_seen_utc,
          lastSeen: fields.last_seen_utc,
          confidence: fields.confidence_level,
          tags,
          attributes,
        },
        position,
        raw,
      );
      yield typeof claim === 'string' ? { rejected: true, reason: `id ${id}: field ${claim}`, position, raw } : claim;
    }
  },
};

function reject(position: string, reason: string, text: string): Rejected {
  return { rejected: true, reason, position, raw: utf8(text) };
}

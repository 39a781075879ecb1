// MISP feed (the directory form CIRCL's OSINT feed and PyMISP's feed generator publish): `manifest.json`
// lists the events, and each event is one `<uuid>.json` holding {"Event": {..., "Attribute": [...],
// "Object": [{"Attribute": [...]}], "Tag": [...]}}. This format reads ONE event file and yields one
// ClaimRecord per supported attribute (inside Objects too). Beside it: misp-manifest.ts reads the manifest so the
// transport (elsewhere) knows which event files to fetch (`mispFeedEventFiles`, re-exported here);
// misp-mappings.ts holds the attribute-type, tag, TLP and category tables; misp-values.ts reads MISP's values.
//
// An event may hold tens of thousands of attributes, so the file is tokenised with stream-json and only one
// attribute (or one MISP object) at a time is assembled. The event's own tags (TLP!) apply to every attribute;
// PyMISP writes `Tag` before `Attribute`, so records stream out directly. Some exporters write `Tag` after the
// attributes; then the attributes read so far are held until the tags arrive (memory bounded by one event).
import Assembler from 'stream-json/core/assembler.js';
import type { Token } from 'stream-json/core/parser.js';
import { BaseTokenWalker, walkJsonTokens } from './json-tokens.js';
import type { Format, ParseContext, Rejected } from '../../domain/format.js';
import { TLP_RANK, type IndicatorType } from '../../domain/indicator.js';
import type { ClaimRecord } from '../claim-record.js';
import { MISP_CATEGORIES, TYPES, tagFacts, type TagFacts } from './misp-mappings.js';
import { epochSeconds, flag, isObject, isoTime, isTrue } from './misp-values.js';

export { mispFeedEventFiles, type MispFeedEventFile } from './misp-manifest.js';

/** A MISP event file starts with `{"Event": {` (the manifest starts with a uuid key, a STIX bundle with "type"/"id"). */
const SNIFF = /^\s*\{\s*"Event"\s*:\s*\{/;

export const mispFeedFormat: Format<ClaimRecord> = {
  name: 'misp-feed',
  sniff(head) {
    return SNIFF.test(new TextDecoder('utf-8').decode(head.subarray(0, 4096)));
  },
  parse(input, ctx) {
    return walkJsonTokens(input, new EventWalker(ctx));
  },
};

type Level = 'top' | 'root' | 'event' | 'attributes' | 'objects' | 'done';
type Capture = 'attribute' | 'object' | 'tags';
type Held = { kind: 'attribute' | 'object'; value: unknown; index: number };
type ObjectContext = { name?: string; uuid?: string; index: number };

/** Walks the token stream of one event file, assembling one attribute / object at a time. */
class EventWalker extends BaseTokenWalker {
  private level: Level = 'top';
  private key: string | null = null;
  private skip = 0;
  private capture: Capture | null = null;
  private readonly asm = new Assembler();
  private attributeIndex = 0;
  private objectIndex = 0;
  private sawEvent = false;
  /** The event's tags, once read; until then attributes are held. */
  private eventTags: TagFacts | undefined;
  private held: Held[] = [];

  constructor(private readonly ctx: ParseContext) {
    super();
  }

  get started(): boolean {
    return this.level !== 'top';
  }

  protected token(t: Token): void {
    if (this.capture !== null) {
      this.asm.consume(t);
      if (this.asm.done) this.captured(this.asm.current);
      return;
    }
    if (this.skip > 0) {
      if (t.name === 'startObject' || t.name === 'startArray') this.skip++;
      else if (t.name === 'endObject' || t.name === 'endArray') this.skip--;
      return;
    }
    switch (this.level) {
      case 'top':
        if (t.name === 'startObject') this.level = 'root';
        else this.stop('the file is not a JSON object; a MISP event file is {"Event": {...}}');
        return;
      case 'root':
        if (t.name === 'keyValue') this.key = t.value;
        else if (t.name === 'endObject') this.level = 'done';
        else if (this.key === 'Event' && t.name === 'startObject') {
          this.sawEvent = true;
          this.level = 'event';
        } else this.skipValue(t);
        return;
      case 'event':
        if (t.name === 'keyValue') this.key = t.value;
        else if (t.name === 'endObject') this.endEvent();
        else if (this.key === 'Attribute' && t.name === 'startArray') this.level = 'attributes';
        else if (this.key === 'Object' && t.name === 'startArray') this.level = 'objects';
        else if (this.key === 'Tag') this.startCapture('tags', t);
        else this.skipValue(t);
        return;
      case 'attributes':
        if (t.name === 'endArray') this.level = 'event';
        else this.startCapture('attribute', t);
        return;
      case 'objects':
        if (t.name === 'endArray') this.level = 'event';
        else this.startCapture('object', t);
        return;
      case 'done':
        return;
    }
  }

  private skipValue(t: Token): void {
    if (t.name === 'startObject' || t.name === 'startArray') this.skip = 1;
  }

  private startCapture(kind: Capture, t: Token): void {
    this.capture = kind;
    if (t.name === 'startObject' || t.name === 'startArray') this.asm.consume(t);
    else this.captured(scalar(t));
  }

  private captured(value: unknown): void {
    const kind = this.capture;
    this.capture = null;
    if (kind === 'tags') {
      this.eventTags = tagFacts(value);
      this.release();
    } else if (kind === 'attribute' || kind === 'object') {
      const index = kind === 'attribute' ? this.attributeIndex++ : this.objectIndex++;
      if (this.eventTags === undefined) this.held.push({ kind, value, index });
      else this.use(kind, value, index, this.eventTags);
    }
  }

  private endEvent(): void {
    this.level = 'root';
    this.eventTags ??= { names: [] };
    this.release();
  }

  private release(): void {
    const tags = this.eventTags!;
    for (const h of this.held) this.use(h.kind, h.value, h.index, tags);
    this.held = [];
  }

  private use(kind: 'attribute' | 'object', value: unknown, index: number, event: TagFacts): void {
    if (kind === 'attribute') {
      this.attribute(value, `Attribute[${index}]`, event, undefined);
      return;
    }
    const where = `Object[${index}]`;
    if (!isObject(value)) {
      this.reject(`${where} is not an object`, `${this.ctx.input}:${where}`, value);
      return;
    }
    if (isTrue(value.deleted)) return;
    const attributes = value.Attribute;
    if (attributes === undefined) return;
    if (!Array.isArray(attributes)) {
      this.reject(`${where}.Attribute is not an array`, positionOf(this.ctx, value.uuid, where), value);
      return;
    }
    const object: ObjectContext = { index };
    if (typeof value.name === 'string') object.name = value.name;
    if (typeof value.uuid === 'string') object.uuid = value.uuid;
    for (let i = 0; i < attributes.length; i++)
      this.attribute(attributes[i], `${where}.Attribute[${i}]`, event, object);
  }

  /** One attribute → zero (skipped type), one or two (domain|ip) records, or a Rejected. */
  private attribute(a: unknown, where: string, event: TagFacts, object: ObjectContext | undefined): void {
    if (!isObject(a)) {
      this.reject(`${where} is not an object`, `${this.ctx.input}:${where}`, a);
      return;
    }
    const position = positionOf(this.ctx, a.uuid, where);
    if (isTrue(a.deleted)) return;
    const mispType = a.type;
    if (typeof mispType !== 'string') {
      this.reject(`${where}: "type" is missing or not a string`, position, a);
      return;
    }
    const mapping = TYPES.get(mispType);
    if (mapping === undefined) return; // not an indicator type we use (comment, text, filename, AS, link, …)
    const value = typeof a.value === 'string' ? a.value.trim() : '';
    if (value === '') {
      this.reject(`${where} (${mispType}): "value" is missing or empty`, position, a);
      return;
    }

    // to_ids is MISP's "use this for detection/blocking" flag: without it the claim may only be watched.
    let mode: 'block' | 'monitor' | undefined;
    if (a.to_ids !== undefined && a.to_ids !== null) {
      const toIds = flag(a.to_ids);
      if (toIds === undefined) {
        this.reject(`${where}: "to_ids" is ${JSON.stringify(a.to_ids)}, expected true or false`, position, a);
        return;
      }
      mode = toIds ? 'block' : 'monitor';
    }

    // first_seen/last_seen are the analyst's times; without them the attribute's timestamp (epoch seconds).
    let firstSeen: string | undefined;
    let lastSeen: string | undefined;
    if (a.first_seen !== undefined && a.first_seen !== null && a.first_seen !== '') {
      firstSeen = isoTime(a.first_seen);
      if (firstSeen === undefined) {
        this.reject(`${where}: "first_seen" ${JSON.stringify(a.first_seen)} is not an ISO 8601 time`, position, a);
        return;
      }
    } else if (a.timestamp !== undefined && a.timestamp !== null) {
      firstSeen = epochSeconds(a.timestamp);
      if (firstSeen === undefined) {
        this.reject(`${where}: "timestamp" ${JSON.stringify(a.timestamp)} is not epoch seconds`, position, a);
        return;
      }
    }
    if (a.last_seen !== undefined && a.last_seen !== null && a.last_seen !== '') {
      lastSeen = isoTime(a.last_seen);
      if (lastSeen === undefined) {
        this.reject(`${where}: "last_seen" ${JSON.stringify(a.last_seen)} is not an ISO 8601 time`, position, a);
        return;
      }
    }

    let values: [IndicatorType, string][];
    const attributes: Record<string, unknown> = { type: mispType };
    switch (mapping) {
      case 'domain':
      case 'url':
      case 'email':
      case 'md5':
      case 'sha1':
      case 'sha256':
        values = [[mapping, value]];
        break;
      case 'ip':
        values = [[ipType(value), value]];
        break;
      case 'ip|port': {
        // MISP writes address|port; the ip-port indicator is address:port ([v6]:port), so only the separator changes.
        const bar = value.lastIndexOf('|');
        const host = bar > 0 ? value.slice(0, bar).trim() : '';
        const port = bar > 0 ? value.slice(bar + 1).trim() : '';
        if (host === '' || port === '') {
          this.reject(`${where} (${mispType}): "${value}" is not address|port`, position, a);
          return;
        }
        values = [['ip-port', host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`]];
        break;
      }
      case 'domain|ip': {
        const bar = value.indexOf('|');
        const domain = bar > 0 ? value.slice(0, bar).trim() : '';
        const ip = bar > 0 ? value.slice(bar + 1).trim() : '';
        if (domain === '' || ip === '') {
          this.reject(`${where} (domain|ip): "${value}" is not domain|address`, position, a);
          return;
        }
        values = [
          ['domain', domain],
          [ipType(ip), ip],
        ];
        break;
      }
      case 'filename|hash': {
        const bar = value.lastIndexOf('|');
        const hash = bar >= 0 ? value.slice(bar + 1).trim() : '';
        if (hash === '') {
          this.reject(`${where} (${mispType}): "${value}" is not filename|hash`, position, a);
          return;
        }
        values = [[mispType.slice('filename|'.length) as IndicatorType, hash]];
        attributes.filename = value.slice(0, bar);
        break;
      }
    }

    // Tags: the event's, then the attribute's own; the most restrictive TLP of either; an attribute's tags
    // say more about its category than the event's, and both more than the MISP category.
    let tags = event.names;
    let tlp = event.tlp;
    let category = event.category;
    if (Array.isArray(a.Tag) && a.Tag.length > 0) {
      const own = tagFacts(a.Tag);
      tags = [...event.names, ...own.names.filter((n) => !event.names.includes(n))];
      if (own.tlp !== undefined && (tlp === undefined || TLP_RANK[own.tlp] > TLP_RANK[tlp])) tlp = own.tlp;
      if (own.category !== undefined) category = own.category;
    }
    if (category === undefined && typeof a.category === 'string' && a.category !== '') {
      category = MISP_CATEGORIES.get(a.category) ?? 'other';
    }

    if (typeof a.uuid === 'string') attributes.uuid = a.uuid;
    if (typeof a.category === 'string') attributes.category = a.category;
    if (typeof a.comment === 'string' && a.comment !== '') attributes.comment = a.comment;
    if (typeof a.object_relation === 'string') attributes.object_relation = a.object_relation;
    if (object?.name !== undefined) attributes.object_name = object.name;
    if (object?.uuid !== undefined) attributes.object_uuid = object.uuid;

    const raw = jsonBytes(a);
    for (const [type, v] of values) {
      const record: ClaimRecord = { type, value: v, position, raw, attributes };
      if (category !== undefined) record.category = category;
      if (tags.length > 0) record.tags = tags;
      if (firstSeen !== undefined) record.firstSeen = firstSeen;
      if (lastSeen !== undefined) record.lastSeen = lastSeen;
      if (tlp !== undefined) record.tlp = tlp;
      if (mode !== undefined) record.mode = mode;
      this.out.push(record);
    }
  }

  private reject(reason: string, position: string, value: unknown): void {
    this.out.push({ rejected: true, reason, position, raw: jsonBytes(value) });
  }

  private stop(reason: string): void {
    this.out.push({ rejected: true, reason, position: this.ctx.input, raw: new Uint8Array(0) });
    this.stopped = true;
  }

  /** The JSON broke off: say so, and say what was not used because of it. */
  broken(message: string, last: Uint8Array): Rejected {
    const held = this.held.length;
    this.held = [];
    const lost =
      held > 0
        ? `; ${held} attribute(s)/object(s) read before it were not used because the event's tags (TLP) come after them`
        : '';
    return {
      rejected: true,
      reason: `invalid JSON in MISP event file: ${message}${lost}`,
      position: this.ctx.input,
      raw: last.slice(0, 1024),
    };
  }

  /** End of input: an empty file or one without an Event is a Rejected, not silence. */
  end(read: number): void {
    if (this.stopped) return;
    if (read === 0 || this.level === 'top')
      this.stop('the input is empty; expected a MISP event file {"Event": {...}}');
    else if (!this.sawEvent)
      this.stop('no "Event" object at the top level; expected a MISP event file {"Event": {...}}');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/** The attribute as JSON bytes, for dead letters (stream-json gives tokens, not byte offsets, so it is re-serialised). */
function jsonBytes(value: unknown): Uint8Array {
  // Buffer.from is several times faster than TextEncoder for short strings; the result is handed out as a
  // plain Uint8Array view so callers see the type ClaimRecord declares.
  const b = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function scalar(t: Token): unknown {
  switch (t.name) {
    case 'stringValue':
      return t.value;
    case 'numberValue':
      return Number(t.value);
    case 'trueValue':
      return true;
    case 'falseValue':
      return false;
    default:
      return null;
  }
}

/** An address attribute is IPv6 if it has a colon, a CIDR block if it has a prefix (MISP allows both in ip-dst). */
function ipType(value: string): IndicatorType {
  if (value.includes('/')) return 'cidr';
  return value.includes(':') ? 'ipv6' : 'ipv4';
}

function positionOf(ctx: ParseContext, uuid: unknown, where: string): string {
  return typeof uuid === 'string' && uuid !== '' ? `${ctx.input}#${uuid}` : `${ctx.input}:${where}`;
}

// STIX 2.1 bundle ({"type": "bundle", "objects": [...]}, as a TAXII 2.1 collection or a partner's export gives
// it). Only `indicator` objects with a STIX pattern become records: one per value the pattern lists (see
// stix-pattern.ts for the subset read). Marking definitions are read for TLP; every other object is ignored.
//
// Bundles can be large, so the input is tokenised with stream-json and one object at a time is assembled.
// An indicator that refers to a marking definition the bundle has not shown yet (and that is not one of the
// well-known TLP ids) is held until the end of the bundle, so a TLP:RED defined after its use is still honoured.
import Assembler from 'stream-json/core/assembler.js';
import type { Token } from 'stream-json/core/parser.js';
import { BaseTokenWalker, walkJsonTokens } from './json-tokens.js';
import type { Format, ParseContext, Rejected } from '../../domain/format.js';
import { CATEGORY_RANK, TLP_RANK, type Category, type Tlp } from '../../domain/indicator.js';
import type { ClaimRecord } from '../claim-record.js';
import { PatternError, patternValues, type PatternValue } from './stix-pattern.js';

// ---------------------------------------------------------------------------------------------------------
// TLP

/**
 * The well-known TLP marking definitions: TLP 1.0 from the STIX 2.1 specification (WHITE is TLP 2.0 CLEAR) and
 * TLP 2.0 from OASIS cti-stix-common-objects (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d).
 */
const TLP_MARKINGS: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ['marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', 'clear'],
  ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green'],
  ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', 'amber'],
  ['marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red'],
  ['marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', 'clear'],
  ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'green'],
  ['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'amber'],
  ['marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003', 'amber+strict'],
  ['marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'red'],
]);
const TLP_NAMES: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ['clear', 'clear'],
  ['white', 'clear'],
  ['green', 'green'],
  ['amber', 'amber'],
  ['amber+strict', 'amber+strict'],
  ['red', 'red'],
]);

/**
 * The TLP a marking-definition object states: TLP 2.0 in an extension's `tlp_2_0` property, or TLP 1.0 as
 * `definition_type: "tlp"` with `definition.tlp`; undefined for statement and other markings.
 */
function markingTlp(o: Record<string, unknown>): Tlp | undefined {
  if (isObject(o.extensions)) {
    for (const extension of Object.values(o.extensions)) {
      if (isObject(extension) && typeof extension.tlp_2_0 === 'string') {
        const tlp = TLP_NAMES.get(extension.tlp_2_0.toLowerCase());
        if (tlp !== undefined) return tlp;
      }
    }
  }
  if (o.definition_type === 'tlp' && isObject(o.definition) && typeof o.definition.tlp === 'string') {
    return TLP_NAMES.get(o.definition.tlp.toLowerCase());
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Category

/**
 * Category from indicator_types (indicator-type-ov: anomalous-activity, anonymization, benign, compromised,
 * malicious-activity, attribution, unknown), labels and kill-chain phases. The vocabulary says how bad, not
 * what kind, so: a kill-chain phase "command-and-control" (Lockheed Martin kill chain, ATT&CK tactic) is c2;
 * a label or type that names one of our categories (c2, phishing, botnet, malware, spam, scanner) is that;
 * `malicious-activity` alone is `blocklist` (known bad, kind unstated; calling it malware would put a phishing
 * site under the wrong notice); anomalous-activity / anonymization / compromised / attribution are `other`;
 * `benign` is `other` and never blocks (mode monitor). STIX 2.0 put these types in `labels`, so both are read.
 */
const NAMED: ReadonlyMap<string, Category> = new Map<string, Category>([
  ['c2', 'c2'],
  ['command-and-control', 'c2'],
  ['phishing', 'phishing'],
  ['botnet', 'botnet'],
  ['malware', 'malware'],
  ['spam', 'spam'],
  ['scanner', 'scanner'],
  ['scanning', 'scanner'],
  ['malicious-activity', 'blocklist'],
  ['anomalous-activity', 'other'],
  ['anonymization', 'other'],
  ['compromised', 'other'],
  ['attribution', 'other'],
  ['benign', 'other'],
]);

function categoryOf(words: string[], killChain: unknown): Category | undefined {
  if (Array.isArray(killChain)) {
    for (const phase of killChain) {
      if (isObject(phase) && phase.phase_name === 'command-and-control') return 'c2';
    }
  }
  let best: Category | undefined;
  for (const word of words) {
    const category = NAMED.get(word.toLowerCase());
    if (category !== undefined && (best === undefined || CATEGORY_RANK[category] > CATEGORY_RANK[best]))
      best = category;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------
// The format

/** A JSON object that says it is a bundle, or has an "objects" array of STIX objects, in its first bytes. */
const SNIFF_START = /^\s*\{/;
const SNIFF_BUNDLE = /"type"\s*:\s*"bundle"/;
const SNIFF_OBJECTS = /"objects"\s*:\s*\[/;
const SNIFF_STIX_ID = /"id"\s*:\s*"[a-z0-9-]+--[0-9a-f-]{36}"/;

export const stixFormat: Format<ClaimRecord> = {
  name: 'stix',
  sniff(head) {
    const text = new TextDecoder('utf-8').decode(head.subarray(0, 4096));
    if (!SNIFF_START.test(text)) return false;
    return SNIFF_BUNDLE.test(text) || (SNIFF_OBJECTS.test(text) && SNIFF_STIX_ID.test(text));
  },
  parse(input, ctx) {
    return walkJsonTokens(input, new BundleWalker(ctx));
  },
};

type Level = 'top' | 'root' | 'objects' | 'done';

class BundleWalker extends BaseTokenWalker {
  private level: Level = 'top';
  private key: string | null = null;
  private skip = 0;
  private capturing = false;
  private readonly asm = new Assembler();
  private index = 0;
  private sawObjects = false;
  /** Marking definitions the bundle defined, by id, with the TLP they state (undefined: not a TLP marking). */
  private readonly markings = new Map<string, Tlp | undefined>();
  private held: { value: Record<string, unknown>; index: number }[] = [];

  constructor(private readonly ctx: ParseContext) {
    super();
  }

  get started(): boolean {
    return this.level !== 'top';
  }

  protected token(t: Token): void {
    if (this.capturing) {
      this.asm.consume(t);
      if (this.asm.done) {
        this.capturing = false;
        this.object(this.asm.current, this.index++);
      }
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
        else this.stop('the input is not a JSON object; a STIX bundle is {"type": "bundle", "objects": [...]}');
        return;
      case 'root':
        if (t.name === 'keyValue') this.key = t.value;
        else if (t.name === 'endObject') this.level = 'done';
        else if (this.key === 'objects' && t.name === 'startArray') {
          this.sawObjects = true;
          this.level = 'objects';
        } else if (this.key === 'type' && !(t.name === 'stringValue' && t.value === 'bundle')) {
          const type = t.name === 'stringValue' ? `"${t.value}"` : 'not a string';
          this.stop(`not a STIX bundle: "type" is ${type}, expected "bundle"`);
        } else if (t.name === 'startObject' || t.name === 'startArray') this.skip = 1;
        return;
      case 'objects':
        if (t.name === 'endArray') this.level = 'root';
        else if (t.name === 'startObject') {
          this.capturing = true;
          this.asm.consume(t);
        } else {
          if (t.name === 'startArray') this.skip = 1;
          const where = `objects[${this.index++}]`;
          this.reject(`${where} is not an object`, `${this.ctx.input}:${where}`, 'value' in t ? t.value : null);
        }
        return;
      case 'done':
        return;
    }
  }

  private object(value: unknown, index: number): void {
    const o = value as Record<string, unknown>;
    if (o.type === 'marking-definition') {
      if (typeof o.id === 'string') this.markings.set(o.id, markingTlp(o));
      return;
    }
    if (o.type !== 'indicator') {
      if (typeof o.type !== 'string') {
        const where = `objects[${index}]`;
        this.reject(`${where} has no "type"`, this.positionOf(o, index), o);
      }
      return; // other STIX objects (identity, malware, relationship, …) carry no indicator values
    }
    if (o.revoked === true) return;
    if (this.unresolvedMarking(o)) this.held.push({ value: o, index });
    else this.indicator(o, index);
  }

  /** Whether the indicator refers to a marking that is neither well known nor defined earlier in the bundle. */
  private unresolvedMarking(o: Record<string, unknown>): boolean {
    if (!Array.isArray(o.object_marking_refs)) return false;
    for (const ref of o.object_marking_refs) {
      if (typeof ref === 'string' && !TLP_MARKINGS.has(ref) && !this.markings.has(ref)) return true;
    }
    return false;
  }

  private indicator(o: Record<string, unknown>, index: number): void {
    const position = this.positionOf(o, index);
    const name = typeof o.id === 'string' ? o.id : `objects[${index}]`;

    // STIX 2.0 indicators have no pattern_type; their patterns are STIX patterns.
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') {
      this.reject(
        `${name}: pattern_type ${JSON.stringify(o.pattern_type)} is not supported (only "stix")`,
        position,
        o,
      );
      return;
    }
    if (typeof o.pattern !== 'string') {
      this.reject(`${name}: "pattern" is missing or not a string`, position, o);
      return;
    }
    let values: PatternValue[];
    try {
      values = patternValues(o.pattern);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      const shown = o.pattern.length > 200 ? `${o.pattern.slice(0, 200)}…` : o.pattern;
      this.reject(`${name}: pattern ${JSON.stringify(shown)} is not supported: ${error.message}`, position, o);
      return;
    }

    let firstSeen: string | undefined;
    let validUntil: string | undefined;
    if (o.valid_from !== undefined) {
      firstSeen = isoTime(o.valid_from);
      if (firstSeen === undefined) {
        this.reject(`${name}: "valid_from" ${JSON.stringify(o.valid_from)} is not an RFC 3339 time`, position, o);
        return;
      }
    }
    if (o.valid_until !== undefined) {
      validUntil = isoTime(o.valid_until);
      if (validUntil === undefined) {
        this.reject(`${name}: "valid_until" ${JSON.stringify(o.valid_until)} is not an RFC 3339 time`, position, o);
        return;
      }
    }
    let confidence: number | undefined;
    if (o.confidence !== undefined) {
      if (
        typeof o.confidence !== 'number' ||
        !Number.isInteger(o.confidence) ||
        o.confidence < 0 ||
        o.confidence > 100
      ) {
        this.reject(`${name}: "confidence" ${JSON.stringify(o.confidence)} is not an integer 0–100`, position, o);
        return;
      }
      confidence = o.confidence;
    }

    const labels = strings(o.labels);
    const types = strings(o.indicator_types);
    const category = categoryOf([...types, ...labels], o.kill_chain_phases);
    const benign = types.includes('benign') || labels.includes('benign');

    let tlp: Tlp | undefined;
    for (const ref of strings(o.object_marking_refs)) {
      const marked = TLP_MARKINGS.get(ref) ?? this.markings.get(ref);
      if (marked !== undefined && (tlp === undefined || TLP_RANK[marked] > TLP_RANK[tlp])) tlp = marked;
    }

    let reference: string | undefined;
    if (Array.isArray(o.external_references) && isObject(o.external_references[0])) {
      const url = o.external_references[0].url;
      if (typeof url === 'string' && url !== '') reference = url;
    }

    const attributes: Record<string, unknown> = {};
    if (typeof o.id === 'string') attributes.id = o.id;
    if (typeof o.name === 'string') attributes.name = o.name;
    if (types.length > 0) attributes.indicator_types = types;
    attributes.pattern = o.pattern;
    if (typeof o.created_by_ref === 'string') attributes.created_by_ref = o.created_by_ref;
    if (typeof o.created === 'string') attributes.created = o.created;
    if (typeof o.modified === 'string') attributes.modified = o.modified;

    const raw = jsonBytes(o);
    for (const { type, value } of values) {
      const record: ClaimRecord = { type, value, position, raw, attributes };
      if (category !== undefined) record.category = category;
      if (confidence !== undefined) record.confidence = confidence;
      if (labels.length > 0) record.tags = labels;
      if (firstSeen !== undefined) record.firstSeen = firstSeen;
      if (validUntil !== undefined) record.validUntil = validUntil;
      if (tlp !== undefined) record.tlp = tlp;
      if (reference !== undefined) record.reference = reference;
      if (benign) record.mode = 'monitor';
      this.out.push(record);
    }
  }

  private positionOf(o: Record<string, unknown>, index: number): string {
    return typeof o.id === 'string' && o.id !== ''
      ? `${this.ctx.input}#${o.id}`
      : `${this.ctx.input}:objects[${index}]`;
  }

  private reject(reason: string, position: string, value: unknown): void {
    this.out.push({ rejected: true, reason, position, raw: jsonBytes(value) });
  }

  private stop(reason: string): void {
    this.out.push({ rejected: true, reason, position: this.ctx.input, raw: new Uint8Array(0) });
    this.stopped = true;
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) this.indicator(h.value, h.index);
  }

  broken(message: string, last: Uint8Array): Rejected {
    // What was read whole is still good; markings it refers to that never came are simply not applied.
    this.release();
    return {
      rejected: true,
      reason: `invalid JSON in STIX bundle: ${message}`,
      position: this.ctx.input,
      raw: last.slice(0, 1024),
    };
  }

  end(read: number): void {
    if (this.stopped) return;
    this.release();
    if (read === 0 || this.level === 'top')
      this.stop('the input is empty; expected a STIX bundle {"type": "bundle", ...}');
    else if (!this.sawObjects) this.stop('no "objects" array in the bundle');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The object as JSON bytes, for dead letters (stream-json gives tokens, not byte offsets, so it is re-serialised). */
function jsonBytes(value: unknown): Uint8Array {
  const b = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

// STIX timestamps are RFC 3339 in UTC (2026-03-01T08:15:00.000Z); an offset is accepted too, a bare date is not.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Bulk exports repeat one valid_from; remembering the last answer skips the parse and format.
  if (value === lastTime) return lastIso;
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  lastTime = value;
  lastIso = new Date(ms).toISOString();
  return lastIso;
}
let lastTime = '';
let lastIso = '';

// The part of the STIX 2.1 patterning language that is a list of indicator values: one comparison, or
// comparisons joined by OR, inside one `[ ... ]` or several `[ ... ] OR [ ... ]` observation expressions.
//   [domain-name:value = 'example.com']
//   [ipv4-addr:value ISSUBSET '198.51.100.0/24' OR ipv6-addr:value = '2001:db8::1']
//   [url:value IN ('http://a.example/x', 'http://b.example/y')] OR [file:hashes.'SHA-256' = '…']
// Anything else (AND, FOLLOWEDBY, qualifiers, NOT, other operators or object paths) is not a list of values
// and is refused with the part named, so the caller can reject the indicator instead of guessing.
// A tokenizer and a recursive-descent parser over this subset; no regular expression sees the whole pattern.

import type { IndicatorType } from '../../domain/indicator.js';

export type PatternValue = { type: IndicatorType; value: string };

export class PatternError extends Error {}

type Tok = { kind: 'word' | 'string' | 'punct' | 'end'; text: string; at: number };

/** The values a pattern lists, or a PatternError naming the part that is not supported. */
export function patternValues(pattern: string): PatternValue[] {
  const parser = new Parser(new Lexer(pattern));
  const values: PatternValue[] = [];
  parser.pattern(values);
  return values;
}

// ---------------------------------------------------------------------------------------------------------
// Tokens: punctuation, operators, 'quoted strings' (with \' and \\ escapes), and words (keywords, object
// types, property names, numbers: runs of letters, digits, '_' and '-').

const PUNCT = new Set(['[', ']', '(', ')', ',', ':', '.', '=']);

function isWordChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '-';
}

/** Reads tokens on demand, so the first problem in reading order is the one reported. */
class Lexer {
  private i = 0;
  private ahead: Tok | undefined;
  constructor(private readonly text: string) {}

  peek(): Tok {
    this.ahead ??= this.read();
    return this.ahead;
  }

  next(): Tok {
    const t = this.peek();
    if (t.kind !== 'end') this.ahead = undefined;
    return t;
  }

  private read(): Tok {
    const text = this.text;
    while (this.i < text.length) {
      const c = text[this.i]!;
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') break;
      this.i++;
    }
    const at = this.i;
    if (at >= text.length) return { kind: 'end', text: 'the end of the pattern', at };
    const c = text[at]!;
    if (c === "'") return this.string(at);
    if (c === '!' || c === '<' || c === '>') {
      // Comparison operators this subset does not take; read whole so the refusal can name them.
      const two = text[at + 1] === '=';
      this.i += two ? 2 : 1;
      return { kind: 'punct', text: two ? `${c}=` : c, at };
    }
    if (PUNCT.has(c)) {
      this.i++;
      return { kind: 'punct', text: c, at };
    }
    if (isWordChar(c)) {
      while (this.i < text.length && isWordChar(text[this.i]!)) this.i++;
      return { kind: 'word', text: text.slice(at, this.i), at };
    }
    throw new PatternError(`unexpected character "${c}" at character ${at + 1}`);
  }

  private string(at: number): Tok {
    const text = this.text;
    let value = '';
    this.i = at + 1;
    for (;;) {
      if (this.i >= text.length) throw new PatternError(`the string starting at character ${at + 1} is not closed`);
      const d = text[this.i]!;
      if (d === "'") break;
      if (d === '\\') {
        const next = text[this.i + 1];
        if (next !== "'" && next !== '\\') {
          throw new PatternError(`unsupported escape \\${next ?? ''} at character ${this.i + 1} (only \\' and \\\\)`);
        }
        value += next;
        this.i += 2;
      } else {
        value += d;
        this.i++;
      }
    }
    this.i++;
    return { kind: 'string', text: value, at };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Grammar (the subset):
//   pattern      := observation ('OR' observation)*
//   observation  := '[' comparisons ']' | '(' pattern ')'
//   comparisons  := comparison ('OR' comparison)*
//   comparison   := '(' comparisons ')' | path ('=' string | 'IN' '(' string (',' string)* ')' | 'ISSUBSET' string)
//   path         := type ':' property ('.' (word | string))*

/** Keywords of the full language that this subset refuses, with what they mean, for the reason. */
const REFUSED: Record<string, string> = {
  AND: 'AND (all conditions must hold at once, so it is not a list of values)',
  FOLLOWEDBY: 'FOLLOWEDBY (a sequence of observations, not a list of values)',
  WITHIN: 'the WITHIN qualifier',
  REPEATS: 'the REPEATS qualifier',
  START: 'the START/STOP qualifier',
  STOP: 'the START/STOP qualifier',
  NOT: 'NOT',
  LIKE: 'the LIKE operator',
  MATCHES: 'the MATCHES operator',
  ISSUPERSET: 'the ISSUPERSET operator',
  EXISTS: 'EXISTS',
};

class Parser {
  constructor(private readonly lexer: Lexer) {}

  pattern(out: PatternValue[]): void {
    this.observations(out);
    const t = this.peek();
    if (t.kind !== 'end') this.fail(t, 'OR or the end of the pattern');
  }

  private observations(out: PatternValue[]): void {
    this.observation(out);
    while (this.isWord('OR')) {
      this.lexer.next();
      this.observation(out);
    }
  }

  private observation(out: PatternValue[]): void {
    const t = this.next();
    if (t.kind === 'punct' && t.text === '[') {
      this.comparisons(out);
      this.expect(']');
    } else if (t.kind === 'punct' && t.text === '(') {
      this.observations(out);
      this.expect(')');
    } else {
      this.fail(t, '[');
    }
  }

  private comparisons(out: PatternValue[]): void {
    this.comparison(out);
    while (this.isWord('OR')) {
      this.lexer.next();
      this.comparison(out);
    }
  }

  private comparison(out: PatternValue[]): void {
    if (this.isPunct('(')) {
      this.lexer.next();
      this.comparisons(out);
      this.expect(')');
      return;
    }
    const path = this.path();
    const op = this.next();
    if (op.kind === 'punct' && op.text === '=') {
      out.push(this.value(path, this.string(), false));
    } else if (op.kind === 'word' && op.text.toUpperCase() === 'IN') {
      this.expect('(');
      out.push(this.value(path, this.string(), false));
      while (this.isPunct(',')) {
        this.lexer.next();
        out.push(this.value(path, this.string(), false));
      }
      this.expect(')');
    } else if (op.kind === 'word' && op.text.toUpperCase() === 'ISSUBSET') {
      if (path.type !== 'ipv4' && path.type !== 'ipv6') {
        throw new PatternError(`ISSUBSET on ${path.text} (only on ipv4-addr:value and ipv6-addr:value)`);
      }
      out.push(this.value(path, this.string(), true));
    } else if (op.kind === 'punct' && op.text !== ']' && op.text !== ')') {
      throw new PatternError(`the operator ${op.text} on ${path.text} (only =, IN and ISSUBSET)`);
    } else {
      this.fail(op, `=, IN or ISSUBSET after ${path.text}`);
    }
  }

  /** An object path, resolved to the indicator type it carries; other paths are refused. */
  private path(): { text: string; type: IndicatorType } {
    const objectType = this.next();
    if (objectType.kind !== 'word') this.fail(objectType, 'an object path such as domain-name:value');
    this.expect(':');
    const parts: string[] = [];
    const first = this.next();
    if (first.kind !== 'word') this.fail(first, `a property of ${objectType.text}`);
    parts.push(first.text);
    while (this.isPunct('.')) {
      this.lexer.next();
      const part = this.next();
      if (part.kind === 'word') parts.push(part.text);
      else if (part.kind === 'string') parts.push(`'${part.text}'`);
      else this.fail(part, 'a property name');
    }
    if (this.isPunct('['))
      throw new PatternError(`list indexes in the object path ${objectType.text}:${parts.join('.')}`);
    const text = `${objectType.text}:${parts.join('.')}`;
    const type = pathType(objectType.text, parts);
    if (type === undefined) {
      throw new PatternError(
        `the object path ${text} (supported: domain-name, ipv4-addr, ipv6-addr, url, email-addr :value; file:hashes.MD5/SHA-1/SHA-256)`,
      );
    }
    return { text, type };
  }

  private value(path: { type: IndicatorType }, value: string, subset: boolean): PatternValue {
    // An address with a prefix (or any ISSUBSET operand) names a block, not one address.
    if ((path.type === 'ipv4' || path.type === 'ipv6') && (subset || value.includes('/')))
      return { type: 'cidr', value };
    return { type: path.type, value };
  }

  private string(): string {
    const t = this.next();
    if (t.kind !== 'string') this.fail(t, "a quoted string such as 'example.com'");
    return t.text;
  }

  private expect(punct: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== punct) this.fail(t, punct);
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text.toUpperCase() === word;
  }

  private isPunct(punct: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === punct;
  }

  private peek(): Tok {
    return this.lexer.peek();
  }

  private next(): Tok {
    return this.lexer.next();
  }

  /** A token where something else was expected: name the refused feature if it is one, else what was expected. */
  private fail(t: Tok, expected: string): never {
    if (t.kind === 'word') {
      const refused = REFUSED[t.text.toUpperCase()];
      if (refused !== undefined) throw new PatternError(`${refused} at character ${t.at + 1}`);
    }
    const found = t.kind === 'end' ? t.text : t.kind === 'string' ? `'${t.text}'` : `"${t.text}"`;
    throw new PatternError(`expected ${expected} at character ${t.at + 1}, found ${found}`);
  }
}

const VALUE_TYPES: Record<string, IndicatorType> = {
  'domain-name': 'domain',
  'ipv4-addr': 'ipv4',
  'ipv6-addr': 'ipv6',
  url: 'url',
  'email-addr': 'email',
};

/** file:hashes.<algorithm>: STIX's hash-algorithm-ov names are MD5, SHA-1, SHA-256 (quoted when they hold '-'). */
const HASH_TYPES: Record<string, IndicatorType> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256' };

function pathType(objectType: string, parts: string[]): IndicatorType | undefined {
  if (parts.length === 1 && parts[0] === 'value') return VALUE_TYPES[objectType];
  if (objectType === 'file' && parts.length === 2 && parts[0] === 'hashes') {
    const key = parts[1]!.replace(/'/g, '').replace(/-/g, '').toUpperCase();
    return HASH_TYPES[key];
  }
  return undefined;
}

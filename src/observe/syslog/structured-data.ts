/** One RFC 5424 SD-ELEMENT: `[exampleSDID@32473 iut="3" eventSource="Application"]`. */
export type SdElement = { id: string; params: [name: string, value: string][] };

/** The elements read and the index just after them, or a reason saying what is malformed and where. */
export type SdRead = { elements: SdElement[]; end: number } | string;

const SP = 32;
const QUOTE = 34;
const EQUALS = 61;
const OPEN = 91;
const BACKSLASH = 92;
const CLOSE = 93;

/**
 * Reads the STRUCTURED-DATA field (RFC 5424 §6.3) that starts at `at` with `[`. Inside a PARAM-VALUE, `\"`, `\\`
 * and `\]` stand for the character after the backslash; any other backslash is kept as written (§6.3.3).
 * The value may hold any UTF-8, including `]` once escaped, which is why MSG cannot be found by looking for `] `.
 */
export function readStructuredData(s: string, at: number): SdRead {
  const elements: SdElement[] = [];
  let i = at;
  while (s.charCodeAt(i) === OPEN) {
    const idEnd = nameEnd(s, i + 1);
    if (idEnd === i + 1) return `structured data at ${i}: SD-ID missing after "["`;
    const element: SdElement = { id: s.slice(i + 1, idEnd), params: [] };
    i = idEnd;
    while (s.charCodeAt(i) === SP) {
      const nameStart = i + 1;
      const nameStop = nameEnd(s, nameStart);
      if (nameStop === nameStart) return `structured data at ${nameStart}: PARAM-NAME missing in [${element.id}]`;
      if (s.charCodeAt(nameStop) !== EQUALS || s.charCodeAt(nameStop + 1) !== QUOTE) {
        return `structured data at ${nameStop}: expected ="value" after ${s.slice(nameStart, nameStop)} in [${element.id}]`;
      }
      const value = readParamValue(s, nameStop + 2);
      if (value === undefined) return `structured data at ${nameStop + 2}: PARAM-VALUE never closed in [${element.id}]`;
      element.params.push([s.slice(nameStart, nameStop), value.text]);
      i = value.end;
    }
    if (s.charCodeAt(i) !== CLOSE) {
      return i >= s.length
        ? `structured data: [${element.id}] is never closed with "]"`
        : `structured data at ${i}: unexpected ${JSON.stringify(s[i])} in [${element.id}]`;
    }
    elements.push(element);
    i++;
  }
  return { elements, end: i };
}

/** Where an SD-NAME (SD-ID or PARAM-NAME: printable US-ASCII except `=`, SP, `]`, `"`) starting at `at` ends. */
function nameEnd(s: string, at: number): number {
  let i = at;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= SP || c >= 127 || c === EQUALS || c === CLOSE || c === QUOTE) break;
  }
  return i;
}

/** The value of a quoted PARAM-VALUE whose text starts at `at` (after the opening quote), unescaped. */
function readParamValue(s: string, at: number): { text: string; end: number } | undefined {
  let text = '';
  let from = at;
  for (let i = at; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return { text: text + s.slice(from, i), end: i + 1 };
    if (c === BACKSLASH) {
      const next = s.charCodeAt(i + 1);
      if (next === QUOTE || next === BACKSLASH || next === CLOSE) {
        text += s.slice(from, i);
        from = i + 1;
        i++;
      }
    }
  }
  return undefined;
}

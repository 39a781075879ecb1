// Where a value is in a billing system's JSON answer, written the way its API documentation shows it:
// `customer.contact.email`, `items[0].name`, `[0].id` for an answer that is a list.

export type JsonPath = (string | number)[];

export type JsonPathParse = { ok: true; path: JsonPath } | { ok: false; problem: string };

const SEGMENT = /^([^.[\]]*)((?:\[\d+\])*)$/;

export function parseJsonPath(text: string): JsonPathParse {
  const path: JsonPath = [];
  const parts = text.split('.');
  for (const [i, part] of parts.entries()) {
    const m = SEGMENT.exec(part);
    if (!m || (m[1] === '' && (m[2] === '' || i > 0)))
      return {
        ok: false,
        problem: `"${text}" is not a path into JSON: write names joined by dots, with [n] after a name for the n-th item of a list (customer.contact.email, items[0].name)`,
      };
    if (m[1] !== '') path.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return { ok: true, path };
}

export type JsonPathRead =
  | { found: true; value: unknown }
  /** `emptyList`: the path went into a list with no items (a search that found nothing). */
  | { found: false; missing: string; emptyList: boolean };

export function readJsonPath(value: unknown, path: JsonPath): JsonPathRead {
  let at: unknown = value;
  for (const [i, step] of path.entries()) {
    let next: unknown;
    if (Array.isArray(at)) {
      // `items.0.name` means what `items[0].name` does.
      const index = typeof step === 'number' ? step : /^\d+$/.test(step) ? Number(step) : undefined;
      if (index === undefined || index >= at.length)
        return { found: false, missing: showPath(path.slice(0, i + 1)), emptyList: at.length === 0 };
      next = at[index];
    } else if (at !== null && typeof at === 'object' && typeof step === 'string' && Object.hasOwn(at, step)) {
      next = (at as Record<string, unknown>)[step];
    } else {
      return { found: false, missing: showPath(path.slice(0, i + 1)), emptyList: false };
    }
    at = next;
  }
  return at === undefined || at === null
    ? { found: false, missing: showPath(path), emptyList: false }
    : { found: true, value: at };
}

export function showPath(path: JsonPath): string {
  return path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('');
}

// How MISP writes values in its JSON: objects, booleans (true/false or "1"/"0"), epoch-second timestamps and
// ISO 8601 times. Shared by the event format (misp-feed.ts), its tag lookup and the manifest reader.

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** MISP booleans are true/false in feeds and "1"/"0" (or 1/0) in older exports. */
export function flag(value: unknown): boolean | undefined {
  if (value === true || value === 1 || value === '1' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'false') return false;
  return undefined;
}

export function isTrue(value: unknown): boolean {
  return flag(value) === true;
}

/** Epoch seconds (MISP writes them as a string of digits, sometimes as a number) → ISO 8601 UTC. */
export function epochSeconds(value: unknown): string | undefined {
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && value !== '' && value.length <= 12 && isDigits(value)) seconds = Number(value);
  else return undefined;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 253402300799) return undefined;
  // Attributes imported together share a timestamp; formatting a Date is a measurable part of the per-row cost.
  if (seconds !== lastSeconds) {
    lastSeconds = seconds;
    lastIso = new Date(seconds * 1000).toISOString();
  }
  return lastIso;
}
let lastSeconds = -1;
let lastIso = '';

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

// A date, or a date and time with an optional zone; MISP writes first_seen as 2021-06-09T13:04:44.000000+00:00.
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 time → ISO 8601 UTC; a time without a zone is UTC (MISP stores UTC). */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO.exec(value.trim());
  if (m === null) return undefined;
  const [, date, time, fraction, zone] = m;
  const text = time === undefined ? date! : `${date}T${time}${fraction?.slice(0, 4) ?? ''}${zone ?? 'Z'}`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

// An accounting request as attribute name → text values, the shape both the detail reader and the live receiver
// hand to accountingRecords, and the small reads on it that RFC 2865's "0-1 times" rules need.

/** Attribute name → value; an attribute the record repeats (Framed-IPv6-Prefix) has several. */
export type RadiusAttributes = Readonly<Record<string, string | readonly string[]>>;

type Missing = { missing: true };
type Conflict = { missing: false; conflict: string };

/** The one value of an attribute RFC 2865/2866 allows once; repeats that agree are tolerated. */
export function single(attrs: RadiusAttributes, name: string): string | Missing | Conflict {
  const value = attrs[name];
  if (value === undefined) return { missing: true };
  if (typeof value === 'string') return value;
  if (value.length === 0) return { missing: true };
  const first = value[0]!;
  if (value.every((v) => v === first)) return first;
  return {
    missing: false,
    conflict: `${name} appears ${value.length} times with different values (${value.map((v) => JSON.stringify(v)).join(', ')}): the record cannot be read unambiguously`,
  };
}

/** Every value of an attribute that may repeat. */
export function all(attrs: RadiusAttributes, name: string): readonly string[] {
  const value = attrs[name];
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}

/** The attributes as a detail file writes them, for the dead letter of a record that had no text of its own. */
export function writeAttributes(attrs: RadiusAttributes): string {
  return Object.entries(attrs)
    .flatMap(([name, values]) => (typeof values === 'string' ? [values] : values).map((v) => `${name} = ${v}`))
    .join('\n');
}

// Rows handed from one thread to another with every distinct string once. A batch of a sinkhole report
// repeats the same few dozen strings in every row (the class, the reporter, the report type, the times,
// the sinkhole's address, the subscriber): copied as they are, the writer would hold tens of thousands of
// copies of each (bench/README.md, abuse intake: memory). Columns of strings become indexes into one list.

export type PackedRows = {
  count: number;
  keys: string[];
  /** Per key: indexes into `strings` (-1 null, -2 absent) for a column of strings, the values themselves otherwise. */
  columns: (Int32Array | unknown[])[];
  strings: string[];
};

const NULL = -1;
const ABSENT = -2;

export function packRows(rows: readonly object[]): PackedRows {
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) keys.add(key);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const columns = [...keys].map((key) => {
    const values = rows.map((row) => (row as Record<string, unknown>)[key]);
    if (!values.every((v) => v === null || v === undefined || typeof v === 'string')) return values;
    const ids = new Int32Array(values.length);
    values.forEach((v, i) => {
      if (v === null) ids[i] = NULL;
      else if (v === undefined) ids[i] = ABSENT;
      else {
        let id = index.get(v as string);
        if (id === undefined) index.set(v as string, (id = strings.push(v as string) - 1));
        ids[i] = id;
      }
    });
    return ids;
  });
  return { count: rows.length, keys: [...keys], columns, strings };
}

export function unpackRows<T>(packed: PackedRows): T[] {
  const { count, keys, columns, strings } = packed;
  const rows = new Array<T>(count);
  for (let r = 0; r < count; r++) {
    const row: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) {
      const column = columns[k]!;
      if (column instanceof Int32Array) {
        const id = column[r]!;
        if (id >= 0) row[keys[k]!] = strings[id];
        else if (id === NULL) row[keys[k]!] = null;
      } else if (column[r] !== undefined) row[keys[k]!] = column[r];
    }
    rows[r] = row as T;
  }
  return rows;
}

// DNS class mnemonics as BIND and Unbound print them: a log line's shape is told apart by where one stands.

/** Whether `line` from `start` to `end` is a class: IN, CH, HS, NONE, ANY, or CLASS<n> for one without a name. */
export function isDnsClassAt(line: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 2) return line.startsWith('IN', start) || line.startsWith('CH', start) || line.startsWith('HS', start);
  if (length === 3) return line.startsWith('ANY', start);
  if (length === 4 && line.startsWith('NONE', start)) return true;
  if (length < 6 || !line.startsWith('CLASS', start)) return false;
  for (let i = start + 5; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

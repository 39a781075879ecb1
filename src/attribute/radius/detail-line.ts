// One attribute line of a FreeRADIUS detail block, `\tName = value`, as fr_pair_fprint writes it: the
// operator is always `=`; a tagged attribute's name carries its tag (`Tunnel-Type:1`); strings are in double
// quotes with `\\`, `\"`, `\n`, `\r`, `\t` and three-digit octal escapes for other bytes (`\001`), UTF-8 left as
// is; everything else (integers, enum names, addresses, prefixes, `0x…` octets) is written bare.

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*(?::\d{1,3})?$/;

export type DetailPair = { name: string; value: string };

/** The attribute on `text` (a tab-indented line), or why it is not one. */
export function readDetailLine(text: string): DetailPair | string {
  const body = text.replace(/^[\t ]+/, '');
  let eq = body.indexOf(' = ');
  if (eq === -1 && body.endsWith(' =')) eq = body.length - 2;
  if (eq === -1) return `${snippet(body)} is not an "Attribute = value" line`;
  const name = body.slice(0, eq);
  if (!NAME.test(name)) return `${snippet(name)} is not an attribute name`;
  const rest = body.slice(eq + 3);
  if (!rest.startsWith('"')) return { name, value: rest.trim() };
  const value = unquote(rest);
  return typeof value === 'string' ? { name, value } : `the value of ${name} ${value.problem}`;
}

function unquote(quoted: string): string | { problem: string } {
  // Most values have no escapes: the text between the quotes is the value.
  const close = quoted.indexOf('"', 1);
  if (close !== -1 && quoted.lastIndexOf('\\', close) === -1) {
    if (quoted.slice(close + 1).trim() !== '') {
      return { problem: `has ${snippet(quoted.slice(close + 1))} after its closing quote` };
    }
    return quoted.slice(1, close);
  }
  const bytes: number[] = [];
  let i = 1;
  while (i < quoted.length && quoted[i] !== '"') {
    if (quoted[i] === '\\' && i + 1 < quoted.length) {
      const octal = quoted.slice(i + 1, i + 4);
      const escaped = ESCAPES[quoted[i + 1]!];
      if (/^[0-3][0-7]{2}$/.test(octal)) {
        bytes.push(parseInt(octal, 8));
        i += 4;
        continue;
      }
      if (escaped !== undefined) {
        bytes.push(escaped);
        i += 2;
        continue;
      }
      i++; // an escape FreeRADIUS does not write: the character after the backslash stands for itself
    }
    const code = quoted.codePointAt(i)!;
    if (code < 0x80) {
      bytes.push(code);
      i++;
      continue;
    }
    const char = String.fromCodePoint(code);
    for (const byte of encoder.encode(char)) bytes.push(byte);
    i += char.length;
  }
  if (i >= quoted.length) return { problem: 'has no closing quote' };
  if (quoted.slice(i + 1).trim() !== '')
    return { problem: `has ${snippet(quoted.slice(i + 1))} after its closing quote` };
  return Buffer.from(bytes).toString('utf8');
}

const encoder = new TextEncoder();
const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, '"': 34 };

function snippet(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

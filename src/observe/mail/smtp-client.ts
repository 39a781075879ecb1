import { normaliseIp } from '../../net/ip.js';

// How Postfix names the SMTP client in its log: `name[address]`, with `unknown` as the name when the
// address has no (verified) reverse name, `[address]` alone in postscreen, `:port` after it when
// smtpd_client_port_logging is on (postscreen always), and in some places `IPv6:` before an IPv6 address:
//
//   mail.example.net[198.51.100.7]   unknown[2001:db8::25]   [127.0.0.9]:57465   localhost[127.0.0.1]:33294

export type SmtpClient = {
  /** The address in normalised text. */
  address: string;
  /** The reverse name in lower case; absent for `unknown` and for postscreen's bare `[address]`. */
  host?: string;
  port?: number;
  /** Where the text after the client starts. */
  end: number;
};

/** The client written at `at` in `line`, or undefined when there is none there. */
export function readSmtpClient(line: string, at: number): SmtpClient | undefined {
  const open = line.indexOf('[', at);
  if (open < 0) return undefined;
  const close = line.indexOf(']', open + 1);
  if (close < 0) return undefined;
  // A host name holds no space, `;` or `:`; finding one means the `[` belongs to something else.
  for (let i = at; i < open; i++) {
    const c = line.charCodeAt(i);
    if (c === SPACE || c === SEMICOLON || c === COLON) return undefined;
  }
  let addressStart = open + 1;
  if (line.startsWith('IPv6:', addressStart)) addressStart += 5;
  const address = normaliseIp(line.slice(addressStart, close));
  if (!address.ok) return undefined;

  const client: SmtpClient = { address: address.indicator.value, end: close + 1 };
  const name = line.slice(at, open);
  if (name !== '' && name !== 'unknown') client.host = /[A-Z]/.test(name) ? name.toLowerCase() : name;
  if (line.charCodeAt(close + 1) === COLON) {
    let port = 0;
    let i = close + 2;
    for (; i < line.length && i < close + 7; i++) {
      const c = line.charCodeAt(i);
      if (c < 48 || c > 57) break;
      port = port * 10 + (c - 48);
    }
    if (i > close + 2 && port <= 65535) {
      client.port = port;
      client.end = i;
    }
  }
  return client;
}

const SPACE = 32;
const COLON = 58;
const SEMICOLON = 59;

import type { Observation } from '../../domain/observation.js';
import type { LineContext, LineFormat } from '../line-format.js';
import { bindLineTime, clientMessageStart, readBindClient } from './bind-message.js';
import { readBindRpzRewrite } from './bind-rpz.js';

// BIND's query log (category `queries`) and its RPZ log (categories `rpz` and `rpz-passthru`), 9.11 to 9.18:
//
//   25-Nov-2026 06:46:39.475 queries: info: client @0x7fdf20376098 127.0.0.2#42806 (www.example.test): query: www.example.test IN A +E(0)K (127.0.0.1)
//   client 192.0.2.10#53412 (www.example.com): view internal: query: www.example.com IN A + (192.0.2.1)
//
// with whatever prefix the channel and syslog add (bind-message.ts). The query part is
// `query: NAME CLASS TYPE FLAGS (SERVER ADDRESS)[ [ECS …]]`; the name is kept as named printed it, escapes
// (`\032`, `\.`) and letter case included: the matcher folds case and trailing dots, and a copy per line
// would cost more than the whole parse. This is the hot path of `observe replay` over multi-million-line logs,
// so a line is read with indexOf and charCodeAt, and a line without `query: ` costs one failed search.

const QUERY = 'query: ';
const COLON = 58;

export const bindQueryLog: LineFormat = {
  name: 'bind-querylog',
  point: 'dns',
  parseLine(line: string, ctx: LineContext): Observation | string | null {
    const query = line.indexOf(QUERY);
    if (query === -1) return readBindRpzRewrite(line, ctx);
    return readQuery(line, query, ctx);
  },
};

function readQuery(line: string, query: number, ctx: LineContext): Observation | string | null {
  const start = clientMessageStart(line, query);
  // `query: ` ends the client prefix (`…(name): query: ` or `…: view v: query: `); anywhere else it is not ours.
  if (start === -1 || line.charCodeAt(query - 2) !== COLON) return null;
  const nameStart = query + QUERY.length;
  const nameEnd = line.indexOf(' ', nameStart);
  const classEnd = nameEnd === -1 ? -1 : line.indexOf(' ', nameEnd + 1);
  if (classEnd === -1 || nameEnd === nameStart) return 'the query line ends before the query type';
  let typeEnd = line.indexOf(' ', classEnd + 1);
  if (typeEnd === -1) typeEnd = line.length;
  if (typeEnd === classEnd + 1) return 'the query line has no query type';
  const client = readBindClient(line, start, query);
  if (typeof client === 'string') return client;
  const time = bindLineTime(line, start, ctx);
  if (Number.isNaN(time)) return 'the time stamp before "client" cannot be read';
  return {
    time,
    point: 'dns',
    client: client.client,
    clientPort: client.clientPort,
    domain: line.slice(nameStart, nameEnd),
    detail: line.slice(classEnd + 1, typeEnd),
  };
}

// A stand-in for Shadowserver's Reports API on 127.0.0.1, for the client's tests (the real one cannot be reached
// from CI). It holds the documented contract and nothing more: calls are POSTs to /api2/<method> of one JSON
// object holding `apikey`, signed with HMAC2 = hex HMAC-SHA256 of the exact body bytes keyed with the secret; any
// non-200 answer carries {"error": "..."}; reports/list takes `date` (YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD),
// `reports`, `type` and `limit` and answers [{timestamp, id, report, file, type, url}]; reports/download takes
// `id`. The url each entry gives is /dl/<id> here (dl.shadowserver.org/<id> there): a GET with no signature.
//
//   const api = await startShadowserverApiServer({ apiKey, secret, reports: [report(...)] });
//   api.inject('/api2/reports/list', 500);     // the next reports/list answers 500, then all is well again
//   api.calls                                  // every request: path, HMAC2, body, whether the signature verified

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReport = {
  id: string;
  /** YYYY-MM-DD, the date reports/list filters on. */
  date: string;
  type: string;
  /** The mailing list it went to (the `reports` filter). */
  report: string;
  file: string;
  /** The CSV in the pieces the server writes, each flushed on its own. */
  chunks: (string | Uint8Array)[];
  /** The list gives no url for it: only reports/download serves it. */
  withoutUrl?: boolean;
  /** Waited for before the last piece is written, so a test can see the first pieces arrive alone. */
  beforeLastChunk?: Promise<void>;
  /** Answered with this status (and an error body) instead of the CSV, every time. */
  failWith?: number;
  /** The first piece is written, then nothing more (a download that stalls). */
  stallAfterFirstChunk?: boolean;
};

/** `drop`: the connection is closed without an answer; `hang`: no answer at all. */
export type Fault = number | 'drop' | 'hang';

export type RecordedCall = {
  method: string;
  path: string;
  contentType: string | undefined;
  hmac2: string | undefined;
  body: string;
  /** Whether HMAC2 is the HMAC-SHA256 of the body under the server's secret (API calls only). */
  signatureValid: boolean;
};

export type ShadowserverApiServer = {
  /** http://127.0.0.1:<port>/api2/ */
  baseUrl: string;
  origin: string;
  calls: RecordedCall[];
  /** The next requests to `path` meet these faults, one each, in order. */
  inject(path: string, ...faults: Fault[]): void;
  close(): Promise<void>;
};

const LIST_FIELDS = new Set(['apikey', 'date', 'reports', 'type', 'limit']);
const DOWNLOAD_FIELDS = new Set(['apikey', 'id']);
const DATE = /^(\d{4}-\d{2}-\d{2})(?::(\d{4}-\d{2}-\d{2}))?$/;

export async function startShadowserverApiServer(options: {
  apiKey: string;
  secret: string;
  reports: FakeReport[];
}): Promise<ShadowserverApiServer> {
  const calls: RecordedCall[] = [];
  const faults = new Map<string, Fault[]>();
  let origin = '';

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const hmac2 = header(req, 'hmac2');
    calls.push({
      method: req.method ?? '',
      path,
      contentType: header(req, 'content-type'),
      hmac2,
      body: body.toString('utf8'),
      signatureValid: hmac2 !== undefined && signatureMatches(hmac2, body, options.secret),
    });

    const fault = faults.get(path)?.shift();
    if (fault === 'drop') return void req.socket.destroy();
    if (fault === 'hang') return;
    if (typeof fault === 'number') return error(res, fault, `injected fault ${fault}`);

    if (path.startsWith('/dl/')) {
      const found = options.reports.find((r) => r.id === decodeURIComponent(path.slice(4)));
      return found ? serveReport(res, found) : error(res, 404, 'Not found');
    }
    if (!path.startsWith('/api2/')) return error(res, 404, 'Not found');
    const method = path.slice('/api2/'.length);
    if (!['test/ping', 'reports/list', 'reports/download'].includes(method))
      return error(res, 404, `Unknown method: ${method}`);
    if (req.method !== 'POST') return error(res, 405, 'API calls must be made with HTTP POST');
    if (hmac2 === undefined || !signatureMatches(hmac2, body, options.secret))
      return error(res, 401, 'Invalid HMAC2 signature');
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return error(res, 400, 'Request is not a JSON object');
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      return error(res, 400, 'Request is not a JSON object');
    const fields = request as Record<string, unknown>;
    if (fields.apikey !== options.apiKey) return error(res, 401, 'Invalid apikey');

    if (method === 'test/ping')
      return json(res, 200, { pong: new Date().toISOString().slice(0, 19).replace('T', ' ') });
    if (method === 'reports/download') {
      const unknown = Object.keys(fields).find((k) => !DOWNLOAD_FIELDS.has(k));
      if (unknown !== undefined) return error(res, 400, `Unknown field: ${unknown}`);
      const found = options.reports.find((r) => r.id === fields.id);
      return found ? serveReport(res, found) : error(res, 404, 'Report not found');
    }
    const problem = listProblem(fields);
    if (problem) return error(res, 400, problem);
    return json(res, 200, listed(fields));
  }

  function listed(fields: Record<string, unknown>): unknown[] {
    const today = new Date().toISOString().slice(0, 10);
    const [, from = today, to = from] = DATE.exec(typeof fields.date === 'string' ? fields.date : today) ?? [];
    const lists = Array.isArray(fields.reports) ? (fields.reports as string[]) : undefined;
    const types = fields.type === undefined ? undefined : ([] as unknown[]).concat(fields.type);
    return options.reports
      .filter((r) => r.date >= from && r.date <= to)
      .filter((r) => !lists || lists.includes(r.report))
      .filter((r) => !types || types.includes(r.type))
      .slice(0, typeof fields.limit === 'number' ? fields.limit : undefined)
      .map((r) => ({
        timestamp: r.date,
        id: r.id,
        report: r.report,
        file: r.file,
        type: r.type,
        ...(r.withoutUrl ? {} : { url: `${origin}/dl/${r.id}` }),
      }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${origin}/api2/`,
    origin,
    calls,
    inject(path, ...more) {
      faults.set(path, [...(faults.get(path) ?? []), ...more]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Why a reports/list request does not have the documented shape, or undefined. */
function listProblem(fields: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(fields).find((k) => !LIST_FIELDS.has(k));
  if (unknown !== undefined) return `Unknown field: ${unknown}`;
  if (fields.date !== undefined && (typeof fields.date !== 'string' || !DATE.test(fields.date)))
    return 'date must be YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD';
  if (fields.reports !== undefined && !isStrings(fields.reports)) return 'reports must be a list of report names';
  if (fields.type !== undefined && typeof fields.type !== 'string' && !isStrings(fields.type))
    return 'type must be a report type or a list of them';
  if (fields.limit !== undefined && (typeof fields.limit !== 'number' || fields.limit < 1))
    return 'limit must be a positive number';
  return undefined;
}

async function serveReport(res: ServerResponse, report: FakeReport): Promise<void> {
  if (report.failWith !== undefined) return error(res, report.failWith, `Report ${report.id} is not available`);
  res.writeHead(200, {
    'content-type': 'text/csv',
    'content-disposition': `attachment; filename="${report.file}"`,
  });
  for (const [index, chunk] of report.chunks.entries()) {
    if (index === report.chunks.length - 1 && report.beforeLastChunk) await report.beforeLastChunk;
    if (res.destroyed) return;
    res.write(chunk);
    if (report.stallAfterFirstChunk) return;
    // A pause between pieces so that each leaves as its own chunk.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  res.end();
}

function signatureMatches(hmac2: string, body: Buffer, secret: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'));
  const given = Buffer.from(hmac2.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function error(res: ServerResponse, status: number, message: string): void {
  json(res, status, { error: message });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

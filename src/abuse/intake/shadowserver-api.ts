// Shadowserver's Reports API: the daily reports Shadowserver has on the ISP's networks, fetched directly instead
// of through the e-mails that link to them. Every call is a signed POST (shadowserver-http.ts). reports/list says
// which reports exist for a date range; each is then downloaded from the url the list gives
// (dl.shadowserver.org/<id>) or, when the list gives none, with a signed reports/download {id}, and streamed to the
// caller's sink.
// https://github.com/The-Shadowserver-Foundation/api_utils/wiki (call_api Documentation, API: Reports Query)

import { z } from 'zod';
import { VERSION } from '../../version.js';
import {
  authHint,
  DEFAULT_BASE_URL,
  describe,
  errorOf,
  excerpt,
  open,
  readText,
  safeJson,
  ShadowserverApiError,
  signedPost,
  type Context,
  type Opened,
} from './shadowserver-http.js';

export type ShadowserverApiOptions = {
  /** The API root, ending in /api2/; default DEFAULT_BASE_URL. */
  baseUrl?: string;
  /** The key and secret as read from their files (surrounding whitespace, such as a final newline, is dropped). */
  apiKey: string;
  secret: string;
  /** Mailing-list names to list reports of (reports/list `reports`); default: all the key may see. */
  reports?: string[];
  /** Report types to fetch (scan_smb, event4_sinkhole_http, ...); default: all. */
  types?: string[];
  /** How many UTC dates before today to list, besides today; default 2. */
  days?: number;
  /** Allowed for the answer to each request, and for each pause within a download; default 60 s. */
  timeoutMs?: number;
  /** Tries of a request that met a network error, a timeout, 429 or 5xx; default 3, waits doubling from backoffMs. */
  attempts?: number;
  backoffMs?: number;
  /** The time to take as now (the dates listed are its UTC dates). */
  now?: () => Date;
  /** Stops the run (shutdown): requests under way are aborted and no further report is started. */
  signal?: AbortSignal;
};

/** One report, handed to the sink with its CSV as a stream: nothing is buffered whole. */
export type ShadowserverReport = {
  id: string;
  fileName: string;
  /** The report type (scan_smb, ...): from the list, else from the file name. */
  type: string;
  /** The report's date, YYYY-MM-DD (UTC). */
  reportDate: string;
  body: AsyncIterable<Uint8Array>;
};

export type ReportSink = (report: ShadowserverReport) => Promise<void>;

/** Which report ids were already delivered; `add` is called only after the sink resolved for that report. */
export type SeenReports = { has(id: string): Promise<boolean>; add(id: string): Promise<void> };

export type ReportFailure = { id: string; fileName: string; reason: string };

export type FetchResult = {
  /** Entries reports/list gave (after the type filter). */
  listed: number;
  /** Of those, the ones not fetched before. */
  new: number;
  /** Delivered to the sink and marked as seen. */
  fetched: number;
  failed: number;
  failures: ReportFailure[];
};

/**
 * Lists the reports of the last `days` UTC dates, downloads the ones `seen` does not know, one at a time, and
 * hands each to `sink`. A report that fails (download, sink, or marking it seen) is counted with its reason and
 * the others go on; it is tried again on the next run. Throws ShadowserverApiError when the list itself fails.
 */
export async function fetchNewReports(
  options: ShadowserverApiOptions,
  sink: ReportSink,
  seen: SeenReports,
): Promise<FetchResult> {
  const ctx = context(options);
  const entries = await listReports(ctx, options);
  const result: FetchResult = { listed: entries.length, new: 0, fetched: 0, failed: 0, failures: [] };
  const fail = (id: string, fileName: string, reason: string): void => {
    result.failed++;
    result.failures.push({ id, fileName, reason: ctx.scrub(reason) });
  };
  const done = new Set<string>();
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    if (!entry.ok) {
      fail('', '', entry.reason);
      continue;
    }
    const { id, fileName } = entry.report;
    if (done.has(id)) continue;
    done.add(id);
    try {
      if (await seen.has(id)) continue;
    } catch (err) {
      fail(id, fileName, `${fileName}: could not check whether it was fetched before: ${describe(err)}`);
      continue;
    }
    result.new++;
    const problem = await deliver(ctx, entry.report, sink);
    if (problem !== undefined) {
      fail(id, fileName, problem);
      continue;
    }
    try {
      await seen.add(id);
      result.fetched++;
    } catch (err) {
      fail(id, fileName, `${fileName}: delivered, but not marked as fetched, so it comes again: ${describe(err)}`);
    }
  }
  return result;
}

function context(options: ShadowserverApiOptions): Context {
  const apiKey = options.apiKey.trim();
  const secret = options.secret.trim();
  if (apiKey === '') throw new ShadowserverApiError('the Shadowserver API key is empty: check api_key_file');
  if (secret === '') throw new ShadowserverApiError('the Shadowserver API secret is empty: check secret_file');
  const base = options.baseUrl ?? DEFAULT_BASE_URL;
  let apiUrl: URL;
  try {
    apiUrl = new URL(base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new ShadowserverApiError(`base_url ${JSON.stringify(base)} is not a URL; the default is ${DEFAULT_BASE_URL}`);
  }
  if (apiUrl.protocol !== 'https:' && apiUrl.protocol !== 'http:')
    throw new ShadowserverApiError(
      `base_url ${JSON.stringify(base)} is not http(s); the default is ${DEFAULT_BASE_URL}`,
    );
  const secrets = [apiKey, secret].filter((v) => v.length >= 4);
  return {
    apiUrl,
    apiKey,
    secret,
    timeoutMs: options.timeoutMs ?? 60_000,
    attempts: Math.max(1, options.attempts ?? 3),
    backoffMs: options.backoffMs ?? 1000,
    signal: options.signal,
    // Whatever an error page echoes back must not carry the credentials into a log.
    scrub: (text) => secrets.reduce((t, s) => t.replaceAll(s, '[redacted]'), text),
  };
}

type ListEntry = { ok: true; report: ListedReport } | { ok: false; reason: string };
type ListedReport = Omit<ShadowserverReport, 'body'> & { url: string | undefined };

const listEntrySchema = z.object({
  id: z.string().min(1),
  file: z.string().min(1),
  type: z.string().optional(),
  timestamp: z.string().optional(),
  url: z.string().optional(),
});

async function listReports(ctx: Context, options: ShadowserverApiOptions): Promise<ListEntry[]> {
  const days = options.days ?? 2;
  if (!Number.isInteger(days) || days < 0) throw new ShadowserverApiError(`days must be a whole number, got ${days}`);
  const now = options.now?.() ?? new Date();
  const params: Record<string, unknown> = {
    date: `${utcDate(new Date(now.getTime() - days * 86_400_000))}:${utcDate(now)}`,
  };
  if (options.reports?.length) params.reports = options.reports;
  const types = options.types?.length ? new Set(options.types) : undefined;
  // reports/list filters by one type; for several, the list is filtered here.
  if (types?.size === 1) params.type = [...types][0];

  const what = 'Shadowserver reports/list';
  const opened = await open(ctx, what, ...signedPost(ctx, 'reports/list', params));
  let answer: unknown;
  const text = await readText(opened.body, 64 << 20).finally(() => opened.cancel());
  try {
    answer = JSON.parse(text);
  } catch {
    throw new ShadowserverApiError(ctx.scrub(`${what} answered with something that is not JSON${excerpt(text)}`));
  }
  const refusal = errorOf(answer);
  if (refusal !== undefined)
    throw new ShadowserverApiError(ctx.scrub(`${what} answered: ${refusal}${authHint(refusal)}`));
  if (isEmptyObject(answer)) return [];
  if (!Array.isArray(answer))
    throw new ShadowserverApiError(ctx.scrub(`${what} answered JSON that is not a list of reports${excerpt(text)}`));

  const entries: ListEntry[] = answer.map((raw, index) => {
    const parsed = listEntrySchema.safeParse(raw);
    if (!parsed.success)
      return { ok: false, reason: `${what} entry ${index + 1} is not a report (${z.prettifyError(parsed.error)})` };
    const { id, file, url } = parsed.data;
    const type = parsed.data.type ?? typeFromFileName(file);
    const reportDate = /^\d{4}-\d{2}-\d{2}/.exec(parsed.data.timestamp ?? file)?.[0] ?? '';
    return { ok: true, report: { id, fileName: file, type, reportDate, url } };
  });
  return entries.filter((e) => !types || !e.ok || types.has(e.report.type));
}

/** `2024-03-05-scan_smb-example-isp-asn.csv` → `scan_smb`: types are written with underscores, never hyphens. */
function typeFromFileName(file: string): string {
  return /^\d{4}-\d{2}-\d{2}-([^-]+)-/.exec(file)?.[1] ?? '';
}

/** Downloads one report into the sink; the reason it failed, or undefined. */
async function deliver(ctx: Context, report: ListedReport, sink: ReportSink): Promise<string | undefined> {
  const what = `Shadowserver report ${report.fileName}`;
  let opened: Opened;
  try {
    opened = await open(ctx, what, ...downloadRequest(ctx, report));
  } catch (err) {
    return describe(err);
  }
  try {
    if (/json/i.test(opened.response.headers.get('content-type') ?? '')) {
      const text = await readText(opened.body, 4000);
      return `${what}: the download answered JSON instead of the CSV: ${errorOf(safeJson(text)) ?? excerpt(text)}`;
    }
    await sink({
      id: report.id,
      fileName: report.fileName,
      type: report.type,
      reportDate: report.reportDate,
      body: opened.body,
    });
    return opened.streamError() === undefined ? undefined : describe(opened.streamError());
  } catch (err) {
    return describe(opened.streamError() ?? err);
  } finally {
    await opened.cancel();
  }
}

/** The list's url when it is one (https, or plain http only when base_url is too), else reports/download. */
function downloadRequest(ctx: Context, report: ListedReport): [URL, RequestInit] {
  let direct: URL | undefined;
  try {
    direct = report.url ? new URL(report.url) : undefined;
  } catch {
    direct = undefined;
  }
  if (direct && (direct.protocol === 'https:' || (direct.protocol === 'http:' && ctx.apiUrl.protocol === 'http:')))
    return [direct, { method: 'GET', headers: { 'user-agent': `mizugiwa/${VERSION}`, accept: 'text/csv, */*' } }];
  return signedPost(ctx, 'reports/download', { id: report.id });
}

function isEmptyObject(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && !Array.isArray(answer) && Object.keys(answer).length === 0;
}

function utcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

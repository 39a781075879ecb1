// Paths of the abuse desk's API as the case screens ask for them, and the one request api.ts does not make: a
// report's evidence, which the server sends as the raw bytes received (a mail, a CSV, JSON), read here as text.
import { ApiError } from './api';
import i18n, { currentLocale } from './i18n';
import type { CaseFilter } from './api-types/cases';

/** Evidence shown on the page is cut here; the whole file is one click away as a download. */
export const EVIDENCE_SHOWN_BYTES = 512 * 1024;

export function casesPath(filter: CaseFilter, page: { limit: number; offset: number }): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (typeof value === 'string' && value.trim() !== '') query.set(key, value.trim());
  }
  query.set('limit', String(page.limit));
  query.set('offset', String(page.offset));
  return `/api/abuse/cases?${query}`;
}

export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function evidencePath(reportId: number): string {
  return `/api/abuse/reports/${reportId}/evidence`;
}

export interface EvidenceText {
  text: string;
  /** Size of the whole report. */
  bytes: number;
  truncated: boolean;
  sha256: string | null;
}

/**
 * The report as received, decoded as UTF-8 (bytes that are not become U+FFFD: the text is for reading; the download
 * is the exact evidence). Each read is recorded on the server's audit trail.
 */
export async function fetchEvidence(reportId: number, signal?: AbortSignal): Promise<EvidenceText> {
  let response: Response;
  try {
    response = await fetch(evidencePath(reportId), {
      headers: { 'accept-language': currentLocale() },
      credentials: 'same-origin',
      signal: signal ?? null,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'network', i18n.t('errors.network'));
  }
  const buffer = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    let body: { code?: string; message?: string } | undefined;
    try {
      body = JSON.parse(new TextDecoder().decode(buffer)) as { code?: string; message?: string };
    } catch {
      body = undefined;
    }
    if (body?.message) throw new ApiError(response.status, body.code ?? 'error', body.message);
    throw new ApiError(response.status, 'http', i18n.t('errors.http', { status: response.status }));
  }
  const truncated = buffer.length > EVIDENCE_SHOWN_BYTES;
  return {
    text: new TextDecoder('utf-8', { fatal: false }).decode(
      truncated ? buffer.subarray(0, EVIDENCE_SHOWN_BYTES) : buffer,
    ),
    bytes: buffer.length,
    truncated,
    sha256: response.headers.get('x-content-sha256'),
  };
}

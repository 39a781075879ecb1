// Sending a report file to the server: its first bytes for the preview (base64 in JSON), and the whole file as the
// raw request body of POST /api/abuse/reports, with upload progress (XMLHttpRequest reports it; fetch does not).
import i18n, { currentLocale } from '../i18n';
import { api, ApiError } from '../api';
import type { AbuseFormat, ImportOutcome } from '../api-types/reports';

/** What the preview reads of a file: the server takes up to 1 MiB; the beginning shows whether it reads right. */
export const PREVIEW_BYTES = 256 * 1024;

export async function readHead(file: File): Promise<{ content: string; complete: boolean }> {
  const bytes = new Uint8Array(await file.slice(0, PREVIEW_BYTES).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { content: btoa(binary), complete: file.size <= PREVIEW_BYTES };
}

export type UploadOptions = { format?: AbuseFormat | undefined; mapping?: string | undefined; reportType?: string };
export type UploadAnswer = { kind: 'done'; outcome: ImportOutcome } | { kind: 'job'; jobId: number };

export async function uploadReport(
  file: File,
  options: UploadOptions,
  onProgress: (sent: number, total: number) => void,
): Promise<UploadAnswer> {
  // The session's CSRF token, as api.ts sends it on every write; /api/auth/me hands it to the signed-in browser.
  const { csrfToken } = await api.get<{ csrfToken?: string }>('/api/auth/me');
  const query = new URLSearchParams({ filename: file.name });
  if (options.format) query.set('format', options.format);
  if (options.mapping) query.set('mapping', options.mapping);
  if (options.reportType) query.set('report_type', options.reportType);
  return new Promise<UploadAnswer>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/abuse/reports?${query}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('accept-language', currentLocale());
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, 'network', i18n.t('errors.network')));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      const answer = body as { message?: string; code?: string; jobId?: number } | undefined;
      if (xhr.status === 202 && typeof answer?.jobId === 'number') resolve({ kind: 'job', jobId: answer.jobId });
      else if (xhr.status === 200 || xhr.status === 201) resolve({ kind: 'done', outcome: body as ImportOutcome });
      else if (typeof answer?.message === 'string')
        reject(new ApiError(xhr.status, answer.code ?? 'error', answer.message));
      else reject(new ApiError(xhr.status, 'http', i18n.t('errors.http', { status: xhr.status })));
    };
    xhr.send(file);
  });
}

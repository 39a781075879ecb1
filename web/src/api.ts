// The one way the UI talks to the server: JSON over fetch with the session cookie, the CSRF token on every
// state-changing request, and accept-language matching the UI so error messages come back in the operator's language.
import i18n, { currentLocale } from './i18n';
import type { ApiErrorBody, SightingFilter } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request outside /api/auth/ answers 401: the session ended (expired, revoked, server restarted). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ApiErrorBody).message === 'string';
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': currentLocale() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'same-origin',
      signal: signal ?? null,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'network', i18n.t('errors.network'));
  }

  if (response.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized?.();

  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }

  if (!response.ok) {
    if (isErrorBody(parsed)) throw new ApiError(response.status, parsed.code ?? 'error', parsed.message);
    throw new ApiError(response.status, 'http', i18n.t('errors.http', { status: response.status }));
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
};

/** Any thrown value as an ApiError, so screens show one kind of error. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, 'client', err instanceof Error ? err.message : String(err));
}

/** The GET /api/sightings path for a filter and a page (keyset: `before` is the previous page's `next`). */
export function sightingsPath(filter: SightingFilter, page: { limit: number; before?: number | undefined }): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (typeof value === 'string' && value !== '') query.set(key, value);
  }
  query.set('limit', String(page.limit));
  if (page.before !== undefined) query.set('before', String(page.before));
  return `/api/sightings?${query}`;
}

// The HTTP side of Shadowserver's Reports API: every call a POST of one JSON object that holds the apikey, signed
// with an HMAC2 header (hex HMAC-SHA256 of the exact body bytes, keyed with the secret); requests with a timeout and
// bounded retries with backoff; bodies streamed with a timeout on each pause; and every failure classified into a
// ShadowserverApiError whose message says what to check and never holds the key or the secret.
// https://github.com/The-Shadowserver-Foundation/api_utils/wiki (call_api Documentation)

import { createHmac } from 'node:crypto';
import { VERSION } from '../../version.js';

export const DEFAULT_BASE_URL = 'https://transform.shadowserver.org/api2/';

/** A run that could not list reports at all, with what to check; never holds the key or the secret. */
export class ShadowserverApiError extends Error {
  override readonly name = 'ShadowserverApiError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What every request needs: the API root, the credentials, the limits, the stop signal, and the scrubber. */
export type Context = {
  apiUrl: URL;
  apiKey: string;
  secret: string;
  timeoutMs: number;
  attempts: number;
  backoffMs: number;
  signal: AbortSignal | undefined;
  scrub: (text: string) => string;
};

export function signedPost(ctx: Context, method: string, params: Record<string, unknown>): [URL, RequestInit] {
  const body = Buffer.from(JSON.stringify({ apikey: ctx.apiKey, ...params }), 'utf8');
  const signature = createHmac('sha256', ctx.secret).update(body).digest('hex');
  const headers = {
    'content-type': 'application/json',
    'user-agent': `mizugiwa/${VERSION}`,
    HMAC2: signature,
  };
  // Redirects are not followed: a redirected POST turns into a GET, and the answer to check is base_url.
  return [new URL(method, ctx.apiUrl), { method: 'POST', body, headers, redirect: 'manual' }];
}

/** A response whose status is 2xx; its body allows `timeoutMs` between chunks. */
export type Opened = {
  response: Response;
  body: AsyncIterable<Uint8Array>;
  /** What broke the body off, once it did. */
  streamError(): unknown;
  /** Frees the connection when the body was not read to its end. */
  cancel(): Promise<void>;
};

type Failure = { message: string; retryable: boolean; status?: number };

export async function open(ctx: Context, what: string, url: URL, init: RequestInit): Promise<Opened> {
  for (let attempt = 1; ; attempt++) {
    const failure = await openOnce(ctx, what, url, init);
    if (!('message' in failure)) return failure;
    if (ctx.signal?.aborted) throw new ShadowserverApiError(`${what}: stopped`);
    if (!failure.retryable || attempt >= ctx.attempts) {
      const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
      throw new ShadowserverApiError(ctx.scrub(failure.message + tries), failure.status);
    }
    await sleep(ctx.backoffMs * 2 ** (attempt - 1), ctx.signal);
  }
}

async function openOnce(ctx: Context, what: string, url: URL, init: RequestInit): Promise<Opened | Failure> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  ctx.signal?.addEventListener('abort', stop, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ctx.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: controller.signal });
  } catch (err) {
    ctx.signal?.removeEventListener('abort', stop);
    return timedOut
      ? { message: `${what}: no answer within ${ctx.timeoutMs / 1000} s`, retryable: true }
      : { message: `${what}: ${networkProblem(err)}`, retryable: true };
  } finally {
    clearTimeout(timer);
  }
  const opened = streamed(response, controller, ctx.timeoutMs, what, () =>
    ctx.signal?.removeEventListener('abort', stop),
  );
  if (response.ok) return opened;
  const text = await readText(opened.body, 2000).catch(() => '');
  await opened.cancel();
  return statusFailure(what, url, response, text);
}

function statusFailure(what: string, url: URL, response: Response, text: string): Failure {
  const status = response.status;
  const said = errorOf(safeJson(text));
  const detail = `${status} ${response.statusText}`.trim() + (said !== undefined ? `: ${said}` : excerpt(text));
  if (status === 429 || status >= 500)
    return { message: `${what}: Shadowserver answered ${detail}`, retryable: true, status };
  if (status === 401 || status === 403)
    return { message: `${what}: Shadowserver refused the request (${detail})${AUTH_HINT}`, retryable: false, status };
  if (status >= 300 && status < 400)
    return {
      message: `${what}: ${url.origin} redirects (${detail}) to ${response.headers.get('location') ?? 'nowhere'}; check base_url (the default is ${DEFAULT_BASE_URL})`,
      retryable: false,
      status,
    };
  if (status === 404 && url.pathname.endsWith('/reports/list'))
    return {
      message: `${what}: ${url.href} is not there (${detail}); check base_url (the default is ${DEFAULT_BASE_URL})`,
      retryable: false,
      status,
    };
  return { message: `${what}: Shadowserver answered ${detail}`, retryable: false, status };
}

const AUTH_HINT =
  '; check the API key in the file api_key_file names and the secret in the file secret_file names (as Shadowserver sent them)';

/** A 200 answer that is an error: the hint only when it is about the credentials. */
export function authHint(said: string): string {
  return /key|secret|hmac|sign|auth|denied|forbidden/i.test(said) ? AUTH_HINT : '';
}

function streamed(
  response: Response,
  controller: AbortController,
  timeoutMs: number,
  what: string,
  releaseOnce: () => void,
): Opened {
  let released = false;
  const release = (): void => {
    if (!released) releaseOnce();
    released = true;
  };
  const reader = response.body?.getReader();
  let finished = reader === undefined;
  let failure: unknown;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (!reader) return;
    try {
      while (true) {
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs);
        let step: { done: boolean; value?: Uint8Array };
        try {
          step = await reader.read();
        } catch (err) {
          finished = true;
          failure = new ShadowserverApiError(
            timedOut
              ? `${what}: no data for ${timeoutMs / 1000} s, the download was stopped`
              : `${what}: the download broke off (${networkProblem(err)})`,
          );
          throw failure;
        } finally {
          clearTimeout(timer);
        }
        if (step.done || step.value === undefined) {
          finished = true;
          return;
        }
        yield step.value;
      }
    } finally {
      if (finished) release();
    }
  }
  const iterator = chunks();
  return {
    response,
    body: { [Symbol.asyncIterator]: () => iterator },
    streamError: () => failure,
    async cancel() {
      await iterator.return(undefined).catch(() => undefined);
      if (!finished) {
        finished = true;
        await reader?.cancel().catch(() => undefined);
      }
      release();
    },
  };
}

export async function readText(body: AsyncIterable<Uint8Array>, max: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    total += chunk.length;
    if (total >= max) break;
  }
  return Buffer.concat(parts).subarray(0, max).toString('utf8');
}

export function errorOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return undefined;
  const error = (answer as { error?: unknown }).error;
  return error === undefined ? undefined : typeof error === 'string' ? error : JSON.stringify(error);
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === '' ? '' : `: "${flat.length > 200 ? `${flat.slice(0, 200)}...` : flat}"`;
}

function networkProblem(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? describe(err);
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

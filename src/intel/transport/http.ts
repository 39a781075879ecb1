import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, createBrotliDecompress } from 'node:zlib';
import { VERSION } from '../../version.js';

export type Validators = { etag: string | null; lastModified: string | null };

export type Download =
  | { status: 'not-modified' }
  | { status: 'ok'; body: AsyncIterable<Uint8Array>; validators: Validators; contentType: string | null };

export type DownloadOptions = {
  headers: Record<string, string>;
  timeoutSeconds: number;
  maxBytes: number;
  /** Extra CA certificates (PEM) to trust; verification itself is never turned off. */
  ca?: string | Buffer | undefined;
  /** Attempts for network errors, 429 and 5xx; the waits between them double from `backoffMs`. */
  attempts?: number;
  backoffMs?: number;
};

/** A download that failed in a way an operator should read: what, where and what to check. */
export class FeedFetchError extends Error {
  override readonly name = 'FeedFetchError';
}

/**
 * GETs a feed over HTTPS, conditionally (If-None-Match / If-Modified-Since from the last success),
 * decompressing gzip/deflate/br (by Content-Encoding, or gzip by a .gz name), never reading more than
 * `maxBytes`, retrying network errors, 429 and 5xx with exponential backoff. The body is a stream:
 * nothing is buffered whole.
 */
export async function download(url: string, last: Validators, options: DownloadOptions): Promise<Download> {
  const attempts = options.attempts ?? 3;
  let wait = options.backoffMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(url, last, options);
    } catch (err) {
      const retryable = err instanceof RetryableError;
      if (!retryable || attempt >= attempts) {
        const message = err instanceof Error ? err.message : String(err);
        throw new FeedFetchError(attempt > 1 ? `${message} (after ${attempt} attempts)` : message, { cause: err });
      }
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
    }
  }
}

class RetryableError extends Error {}

function once(url: string, last: Validators, options: DownloadOptions): Promise<Download> {
  const target = new URL(url);
  if (target.protocol !== 'https:')
    return Promise.reject(new FeedFetchError(`${url}: feeds are fetched over https only`));
  const headers: Record<string, string> = {
    'user-agent': `mizugiwa/${VERSION}`,
    'accept-encoding': 'gzip, deflate, br',
    ...options.headers,
  };
  if (last.etag) headers['if-none-match'] = last.etag;
  if (last.lastModified) headers['if-modified-since'] = last.lastModified;

  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'GET', headers, ca: options.ca, timeout: options.timeoutSeconds * 1000 },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status === 304) {
          res.resume();
          resolve({ status: 'not-modified' });
          return;
        }
        if (status === 429 || status >= 500) {
          res.resume();
          reject(new RetryableError(`${url}: the server answered ${status} ${res.statusMessage ?? ''}`.trim()));
          return;
        }
        if (status !== 200) {
          res.resume();
          const hint =
            status === 401 || status === 403
              ? ' (check the source headers, e.g. an Auth-Key)'
              : status === 404
                ? ' (check the url)'
                : '';
          reject(new FeedFetchError(`${url}: the server answered ${status} ${res.statusMessage ?? ''}${hint}`));
          return;
        }
        resolve({
          status: 'ok',
          body: limited(decoded(res, target.pathname), options.maxBytes, url),
          validators: { etag: header(res, 'etag'), lastModified: header(res, 'last-modified') },
          contentType: header(res, 'content-type'),
        });
      },
    );
    req.on('timeout', () => req.destroy(new RetryableError(`${url}: no answer within ${options.timeoutSeconds} s`)));
    req.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // TLS failures are not retried: a certificate that does not verify will not start to.
      if (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(code)) {
        reject(
          new FeedFetchError(
            `${url}: the TLS certificate does not verify (${code}); for an internal mirror, set the source's ca_file`,
          ),
        );
      } else if (err instanceof RetryableError) {
        reject(err);
      } else {
        reject(new RetryableError(`${url}: ${err.message}`));
      }
    });
    req.end();
  });
}

function header(res: IncomingMessage, name: string): string | null {
  const v = res.headers[name];
  return typeof v === 'string' ? v : null;
}

function decoded(res: IncomingMessage, path: string): AsyncIterable<Uint8Array> {
  const encoding = (header(res, 'content-encoding') ?? '').toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip' || (encoding === '' && path.endsWith('.gz')))
    return res.pipe(createGunzip());
  if (encoding === 'deflate') return res.pipe(createInflate());
  if (encoding === 'br') return res.pipe(createBrotliDecompress());
  return res;
}

/** Passes bytes through until `max`, then fails: a feed that grew a hundredfold is a fault, not news. */
async function* limited(body: AsyncIterable<Uint8Array>, max: number, url: string): AsyncIterable<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > max)
        throw new FeedFetchError(
          `${url}: the feed is larger than max_bytes (${max} bytes); raise max_bytes if that is expected`,
        );
      yield chunk;
    }
  } catch (err) {
    if (err instanceof FeedFetchError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new FeedFetchError(
      code.startsWith('Z_')
        ? `${url}: the compressed download is damaged or cut off (${code})`
        : `${url}: the download broke off: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

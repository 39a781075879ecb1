import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build` puts the UI: dist/web, found from dist/api (built) or src/api (tests under tsx). */
export function webRoot(): string | undefined {
  for (const candidate of ['../web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/**
 * Serves the single-page app's files. Returns the fallback for deep links (index.html for a GET
 * outside /api that names no file), or undefined when the UI has not been built.
 */
export async function installWebUi(
  app: FastifyInstance,
): Promise<((request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined) | undefined> {
  const root = webRoot();
  if (!root) {
    app.log.warn('web UI files not found (dist/web); run `npm run build` to build them');
    return undefined;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: ['index.html'],
    maxAge: '1h',
    // Asset names carry a content hash and may be cached; index.html names them, so it must not be,
    // or a browser keeps pointing at assets an upgrade removed.
    setHeaders: (res, path) => {
      if (path.endsWith('index.html')) res.setHeader('cache-control', 'no-cache');
    },
  });
  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const isPage = request.method === 'GET' && !path.startsWith('/api') && !/\.[a-z0-9]+$/i.test(path);
    return isPage ? reply.header('cache-control', 'no-cache').sendFile('index.html') : undefined;
  };
}

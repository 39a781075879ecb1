import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { UserFacingError } from '../domain/user-facing-error.js';
import { message, type MessageKey } from '../i18n/messages.js';
import { requestLocale } from './context.js';

/** Every error leaves the API as `{ statusCode, code, message }`, the message in the caller's language. */
export type ErrorBody = { statusCode: number; code: string; message: string; details?: unknown };

export function installErrorHandling(
  app: FastifyInstance,
  pageFallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const locale = requestLocale(request);
    const send = (
      statusCode: number,
      key: MessageKey,
      params: Record<string, string | number> = {},
      details?: unknown,
    ) => {
      const body: ErrorBody = { statusCode, code: key, message: message(key, locale, params) };
      if (details !== undefined) body.details = details;
      return reply.status(statusCode).send(body);
    };

    if (error instanceof UserFacingError) return send(error.statusCode, error.key, error.params);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return `${error.validationContext ?? 'body'}${path ? `.${path}` : ''}: ${v.message}`;
      });
      return send(400, 'request.invalid', { detail: issues.join('; ') }, issues);
    }
    if (error.statusCode && error.statusCode < 500) {
      // Fastify's own 4xx (malformed JSON, body too large, wrong content type) keep their text.
      return reply.status(error.statusCode).send({
        statusCode: error.statusCode,
        code: error.code ?? 'request.invalid',
        message: message('request.invalid', locale, { detail: error.message }),
      } satisfies ErrorBody);
    }
    request.log.error({ err: error }, 'request failed');
    return send(500, 'server.error', { requestId: request.id });
  });

  app.setNotFoundHandler((request, reply) => {
    if (pageFallback?.(request, reply)) return;
    const locale = requestLocale(request);
    reply.status(404).send({
      statusCode: 404,
      code: 'request.not_found',
      message: message('request.not_found', locale, { method: request.method, url: request.url.split('?')[0] ?? '' }),
    } satisfies ErrorBody);
  });
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listCsvMappings, saveCsvMapping } from '../../abuse/csv-mappings.js';
import { UserFacingError } from '../../domain/user-facing-error.js';
import { auditContext } from '../context.js';
import type { AppDeps } from '../deps.js';
import { mappingName } from './abuse-reports.js';

// The saved column mappings CSV lists (NOTICE lists, police and JPCERT/CC spreadsheets, P2P awareness
// lists) are read with: saved once by the desk, named on each upload or import. A mapping is checked
// when it is saved, so a list is never read with one that cannot work.

const mappingView = z.object({
  name: z.string(),
  updatedBy: z.string(),
  updatedAt: z.string(),
  description: z.string().optional(),
});

export const abuseMappingRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.store.db;

    app.get(
      '/api/abuse/mappings',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'The saved column mappings CSV lists are read with',
          response: { 200: z.object({ items: z.array(mappingView) }) },
        },
      },
      async () => ({ items: await listCsvMappings(db) }),
    );

    app.get(
      '/api/abuse/mappings/:name',
      {
        config: { permission: 'abuse.read' },
        schema: {
          tags: ['abuse'],
          summary: 'One saved column mapping, as written',
          params: z.object({ name: mappingName }),
          response: { 200: mappingView.extend({ mapping: z.record(z.string(), z.unknown()) }) },
        },
      },
      async (request) => {
        const { name } = request.params;
        const row = await db.selectFrom('csvMappings').selectAll().where('name', '=', name).executeTakeFirst();
        if (!row) throw new UserFacingError(404, 'abuse.mapping_not_found', { name });
        return {
          name: row.name,
          updatedBy: row.updatedBy,
          updatedAt: row.updatedAt,
          mapping: JSON.parse(row.mapping) as Record<string, unknown>,
        };
      },
    );

    app.put(
      '/api/abuse/mappings/:name',
      {
        config: { permission: 'abuse.write' },
        schema: {
          tags: ['abuse'],
          summary: 'Save (or replace) a column mapping; it is checked before it is saved, and the save is audited',
          params: z.object({ name: mappingName }),
          body: z.record(z.string(), z.unknown()),
          response: { 200: z.object({ name: z.string(), saved: z.literal(true) }) },
        },
      },
      async (request) => {
        const { name } = request.params;
        await saveCsvMapping(db, name, request.body, auditContext(request).actor);
        return { name, saved: true as const };
      },
    );
  };

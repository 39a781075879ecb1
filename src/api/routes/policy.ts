import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CATEGORIES } from '../../domain/indicator.js';
import { effectivePolicy } from '../../enforce/effective-policy.js';
import { configWithPointModes } from '../../enforce/point-modes.js';
import { POINT_NAMES } from '../../enforce/snapshot.js';
import type { AppDeps } from '../deps.js';

const action = z.enum(['block', 'monitor']);

/**
 * The enforce policy in effect, read-only: it lives in the YAML config (enforce.policy, enforce.<point>),
 * which an operator edits and reviews like the rest of the configuration; the server does not rewrite it.
 */
export const policyRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/policy',
      {
        config: { permission: 'system.read' },
        schema: {
          tags: ['enforce'],
          summary:
            'Per category and per enforcement point: blocks, monitors (logs only) or not carried, and why; from the loaded config',
          response: {
            200: z.object({
              monitorAll: z.boolean(),
              categories: z.array(z.object({ category: z.enum(CATEGORIES), action })),
              points: z.array(
                z.object({
                  point: z.enum(POINT_NAMES),
                  enabled: z.boolean(),
                  monitor: z.boolean(),
                  cells: z.array(
                    z.object({
                      category: z.enum(CATEGORIES),
                      effect: z.enum(['block', 'monitor', 'not-carried']),
                      reason: z.enum([
                        'point-disabled',
                        'category-not-carried',
                        'monitor-all',
                        'point-monitor',
                        'category-monitor',
                        'block',
                      ]),
                    }),
                  ),
                }),
              ),
              sources: z.array(
                z.object({
                  source: z.string(),
                  mode: action.nullable(),
                  override: action.nullable(),
                  effect: action,
                }),
              ),
            }),
          },
        },
      },
      async () => effectivePolicy(await configWithPointModes(deps.store.db, deps.config)),
    );
  };

import type { Migration } from './dialect.js';

// Shadow (monitor) or block per enforcement point, switched from the console. The config's
// enforce.<point>.monitor is the default; a row here overrides it until switched again, so an operator
// can watch a point for a while without editing the YAML and restarting. enforce.monitor (every point
// at once) still wins over these.
export const enforceModes: Migration = {
  name: '0012-enforce-modes',
  async up({ db }) {
    await db.schema
      .createTable('enforce_point_modes')
      .addColumn('point', 'text', (c) => c.primaryKey())
      // 'monitor' | 'block'
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('changed_by', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'text', (c) => c.notNull())
      .execute();
  },
};

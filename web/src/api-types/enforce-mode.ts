import type { EnforcePointStatus, PublishOutcome } from '../types';

// The shadow/block switch per point (GET /api/enforce/status `mode`, POST /api/enforce/:point/mode).

export type PointModeName = 'block' | 'monitor';

/** Where the effective mode comes from: enforce.monitor (every point), enforce.<point>.monitor, or the console. */
export type PointModeOrigin = 'config-all' | 'config' | 'console';

export interface PointModeOverride {
  mode: PointModeName;
  reason: string;
  changedBy: string;
  changedAt: string;
}

export interface PointMode {
  mode: PointModeName;
  origin: PointModeOrigin;
  /** What enforce.<point>.monitor says on its own. */
  configured: PointModeName;
  override: PointModeOverride | null;
}

export type EnforcePointWithMode = EnforcePointStatus & { mode: PointMode };

export interface EnforceStatusWithModes {
  items: EnforcePointWithMode[];
}

export interface PointModeChanged {
  mode: PointMode;
  outcome: PublishOutcome;
}

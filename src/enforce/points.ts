import type { EnforcementPoint } from './point.js';
import { rpzPoint } from './rpz/point.js';
import type { PointName } from './snapshot.js';

/** Every enforcement point by name. */
const POINTS: Partial<Record<PointName, EnforcementPoint>> = {
  rpz: rpzPoint,
};

export function pointNamed(name: PointName): EnforcementPoint {
  const point = POINTS[name];
  if (!point) throw new Error(`enforcement point ${name} is not built into this version`);
  return point;
}

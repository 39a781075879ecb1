import { nftablesPoint } from './nftables.js';
import type { EnforcementPoint } from './point.js';
import { postfixPoint } from './postfix.js';
import { rpzPoint } from './rpz/point.js';
import type { PointName } from './snapshot.js';
import { squidPoint } from './squid.js';

/** Every enforcement point by name. */
const POINTS: Record<PointName, EnforcementPoint> = {
  rpz: rpzPoint,
  squid: squidPoint,
  nftables: nftablesPoint,
  postfix: postfixPoint,
};

export function pointNamed(name: PointName): EnforcementPoint {
  return POINTS[name];
}

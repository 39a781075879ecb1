// The one route table: the navigation and the router are both built from it. A new screen is one more row.
import type { ComponentType } from 'react';
import type { Messages } from './i18n/en';
import type { Role } from './types';
import { Home } from './screens/Home';
import { Jobs } from './screens/Jobs';
import { DeadLetters } from './screens/DeadLetters';
import { Audit } from './screens/Audit';
import { Enforcement } from './screens/Enforcement';
import { Sightings } from './screens/Sightings';
import { ObservationInputs } from './screens/ObservationInputs';
import { Indicators } from './screens/Indicators';
import { Sources } from './screens/Sources';
import { Cases } from './screens/Cases';
import { CasePage } from './screens/CasePage';
import { Unassigned } from './screens/Unassigned';
import { ReportsIntake } from './screens/ReportsIntake';
import { SubscriberLookup } from './screens/SubscriberLookup';
import { Settings } from './screens/Settings';

/** The `:name` parts of a route's path, as the current URL fills them in. */
export type RouteParams = Readonly<Record<string, string>>;

export interface RouteEntry {
  /** A path; a segment `:name` matches any one segment and reaches the screen as params.name. */
  path: string;
  /** i18n key of the navigation label (and the page title). */
  label: `nav.${keyof Messages['nav']}`;
  /** Roles that may see the screen; 'all' for every signed-in user. The server enforces the same on its API. */
  roles: 'all' | readonly Role[];
  /** False for pages reached from another screen (a case page), which have no entry in the navigation. */
  inNav?: false;
  component: ComponentType<{ params: RouteParams }>;
}

// Who holds which permission on the server (src/domain/roles.ts); the API refuses the others anyway.
const ABUSE_READ: readonly Role[] = ['analyst', 'abuse_desk', 'legal', 'admin'];
const ABUSE_WRITE: readonly Role[] = ['abuse_desk', 'admin'];
const ATTRIBUTION_LOOKUP: readonly Role[] = ['analyst', 'abuse_desk', 'legal', 'admin'];

export const ROUTES: readonly RouteEntry[] = [
  { path: '/', label: 'nav.home', roles: 'all', component: Home },
  { path: '/indicators', label: 'nav.indicators', roles: 'all', component: Indicators },
  { path: '/sources', label: 'nav.sources', roles: 'all', component: Sources },
  { path: '/enforcement', label: 'nav.enforcement', roles: 'all', component: Enforcement },
  // Traffic data: the roles with sightings.read on the server (src/domain/roles.ts), viewers not among them.
  {
    path: '/sightings',
    label: 'nav.sightings',
    roles: ['analyst', 'abuse_desk', 'legal', 'admin'],
    component: Sightings,
  },
  { path: '/cases', label: 'nav.cases', roles: ABUSE_READ, component: Cases },
  { path: '/cases/:id', label: 'nav.cases', roles: ABUSE_READ, inNav: false, component: CasePage },
  { path: '/unassigned', label: 'nav.unassigned', roles: ABUSE_READ, component: Unassigned },
  { path: '/reports', label: 'nav.reports', roles: ABUSE_WRITE, component: ReportsIntake },
  { path: '/lookup', label: 'nav.lookup', roles: ATTRIBUTION_LOOKUP, component: SubscriberLookup },
  { path: '/observation-inputs', label: 'nav.observationInputs', roles: 'all', component: ObservationInputs },
  { path: '/jobs', label: 'nav.jobs', roles: 'all', component: Jobs },
  { path: '/dead-letters', label: 'nav.deadLetters', roles: 'all', component: DeadLetters },
  { path: '/audit', label: 'nav.audit', roles: ['legal', 'admin'], component: Audit },
  { path: '/settings', label: 'nav.settings', roles: ['admin'], component: Settings },
];

export function allowed(route: RouteEntry, role: Role): boolean {
  return route.roles === 'all' || route.roles.includes(role);
}

export function routesFor(role: Role): RouteEntry[] {
  return ROUTES.filter((route) => allowed(route, role));
}

/** The navigation's entries for a role: the screens it may see that are not reached from another screen. */
export function navigationFor(role: Role): RouteEntry[] {
  return routesFor(role).filter((route) => route.inNav !== false);
}

function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

/** The route for a path and the values of its `:name` segments, ignoring a trailing slash; undefined when unknown. */
export function findRoute(path: string): { route: RouteEntry; params: RouteParams } | undefined {
  const actual = segments(path);
  for (const route of ROUTES) {
    const pattern = segments(route.path);
    if (pattern.length !== actual.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const value = actual[i]!;
      if (!part.startsWith(':')) return part === value;
      try {
        params[part.slice(1)] = decodeURIComponent(value);
        return true;
      } catch {
        return false; // a malformed %-escape names no page
      }
    });
    if (matches) return { route, params };
  }
  return undefined;
}

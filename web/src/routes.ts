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

export interface RouteEntry {
  path: string;
  /** i18n key of the navigation label (and the page title). */
  label: `nav.${keyof Messages['nav']}`;
  /** Roles that may see the screen; 'all' for every signed-in user. The server enforces the same on its API. */
  roles: 'all' | readonly Role[];
  component: ComponentType;
}

export const ROUTES: readonly RouteEntry[] = [
  { path: '/', label: 'nav.home', roles: 'all', component: Home },
  { path: '/enforcement', label: 'nav.enforcement', roles: 'all', component: Enforcement },
  // Traffic data: the roles with sightings.read on the server (src/domain/roles.ts), viewers not among them.
  {
    path: '/sightings',
    label: 'nav.sightings',
    roles: ['analyst', 'abuse_desk', 'legal', 'admin'],
    component: Sightings,
  },
  { path: '/observation-inputs', label: 'nav.observationInputs', roles: 'all', component: ObservationInputs },
  { path: '/jobs', label: 'nav.jobs', roles: 'all', component: Jobs },
  { path: '/dead-letters', label: 'nav.deadLetters', roles: 'all', component: DeadLetters },
  { path: '/audit', label: 'nav.audit', roles: ['legal', 'admin'], component: Audit },
];

export function allowed(route: RouteEntry, role: Role): boolean {
  return route.roles === 'all' || route.roles.includes(role);
}

export function routesFor(role: Role): RouteEntry[] {
  return ROUTES.filter((route) => allowed(route, role));
}

/** The route for a path, ignoring a trailing slash; undefined when unknown. */
export function findRoute(path: string): RouteEntry | undefined {
  const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return ROUTES.find((route) => route.path === normalised);
}

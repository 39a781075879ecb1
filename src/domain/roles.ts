// Roles and what each may do. Routes and CLI commands ask for a permission, never for a role, so
// changing who may do what is an edit to this table alone.

export const ROLES = ['viewer', 'analyst', 'abuse_desk', 'legal', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** See the system's own state: overview, jobs, dead-letter list, metadata. */
  'system.read',
  /** Replay and purge dead letters, start and cancel jobs. */
  'system.operate',
  /** Read subscriber records (always with a purpose, always audited). */
  'subscriber.read',
  /** Create and change subscriber records. */
  'subscriber.write',
  /** Read and verify the audit trail. */
  'audit.read',
  /**
   * Read sightings: which client address reached which listed name or address, when. That is traffic
   * data under the secrecy of communications, so viewers (dashboards) do not get it.
   */
  'sightings.read',
  /**
   * Ask who held an address at a time: answers with subscriber keys (user names, MACs) and the lease
   * evidence. Contact details need subscriber.read as well.
   */
  'attribution.lookup',
  /** Manage users and API tokens. */
  'users.manage',
  /**
   * See the abuse desk's reports, events and cases. A case names a subscriber by id and holds the
   * addresses reported; contact details still need subscriber.read.
   */
  'abuse.read',
  /** Work cases: import reports, move cases, add notes, triage the unassigned queue, save CSV mappings. */
  'abuse.write',
  /** Approve the restriction (walled garden) of a subscriber, and release one. */
  'abuse.restrict',
  /** Edit the notice templates subscribers receive. */
  'abuse.templates',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['system.read'],
  analyst: ['system.read', 'system.operate', 'sightings.read', 'attribution.lookup', 'abuse.read'],
  abuse_desk: [
    'system.read',
    'subscriber.read',
    'sightings.read',
    'attribution.lookup',
    'abuse.read',
    'abuse.write',
    'abuse.restrict',
  ],
  legal: ['system.read', 'subscriber.read', 'audit.read', 'sightings.read', 'attribution.lookup', 'abuse.read'],
  admin: PERMISSIONS,
};

export function roleHas(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((r) => roleHas(r, permission));
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

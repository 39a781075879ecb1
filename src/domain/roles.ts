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
  /** Manage users and API tokens. */
  'users.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['system.read'],
  analyst: ['system.read', 'system.operate'],
  abuse_desk: ['system.read', 'subscriber.read'],
  legal: ['system.read', 'subscriber.read', 'audit.read'],
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

// Which roles hold the permissions the look-up, audit and settings screens check (src/domain/roles.ts on the server).
// The UI only hides what a role cannot use; the server refuses it anyway.
import type { Role } from './types';

/** Every role, from the least to the most it may do. */
export const ROLES: readonly Role[] = ['viewer', 'analyst', 'abuse_desk', 'legal', 'admin'];

/** Contact details of a subscriber (name, e-mail, phone) in a look-up's answer. */
export const SUBSCRIBER_READ: readonly Role[] = ['abuse_desk', 'legal', 'admin'];
/** The audit trail and legal holds. */
export const AUDIT_READ: readonly Role[] = ['legal', 'admin'];

export function may(role: Role, holders: readonly Role[]): boolean {
  return holders.includes(role);
}

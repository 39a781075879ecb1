// The server's permissions (src/domain/roles.ts) in the UI's language; one the UI has no words for yet shows as it is.
import type { TFunction } from 'i18next';

const KNOWN = [
  'system.read',
  'system.operate',
  'subscriber.read',
  'subscriber.write',
  'audit.read',
  'sightings.read',
  'attribution.lookup',
  'users.manage',
  'abuse.read',
  'abuse.write',
  'abuse.restrict',
  'abuse.templates',
] as const;
type Known = (typeof KNOWN)[number];
// i18next reads "." in a key as nesting, so the message keys use "_".
type Underscored<P> = P extends `${infer A}.${infer B}` ? `${A}_${B}` : never;
type MessageKey = Underscored<Known>;

export function permissionLabel(permission: string, t: TFunction): string {
  if (!(KNOWN as readonly string[]).includes(permission)) return permission;
  const key = permission.replace('.', '_') as MessageKey;
  return t(`settings.users.permissionNames.${key}`);
}

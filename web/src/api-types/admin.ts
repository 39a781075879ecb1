// The shapes of the API answers the look-up, audit and settings screens use (src/api/routes/attribution.ts, audit.ts,
// users.ts, tokens.ts, policy.ts). Times are ISO 8601 UTC strings.
import type { Role } from '../types';

export type PurposeKind =
  'abuse-notice' | 'security-incident' | 'legal-disclosure' | 'police-request' | 'customer-request' | 'other';

/** GET /api/attribution/purposes: what a read of subscriber data may give as its reason. */
export interface PurposeChoice {
  /** Typed as string too, so a purpose added on the server still shows (with its raw name). */
  kind: PurposeKind | (string & {});
  /** The reference must say why in words (`other`). */
  referenceRequired: boolean;
}

export interface PurposeList {
  items: PurposeChoice[];
}

/** One step from the address asked about inwards: a lease, a CGNAT block, a deterministic NAT mapping. */
export interface AttributionLink {
  kind: 'lease' | 'cgnat' | 'deterministic-nat' | (string & {});
  source: string;
  address: string;
  ports?: [number, number];
  inside?: string;
  subscriberKey?: string;
  keyKind?: string;
  session?: string;
  start: string;
  end: string | null;
  endEstimated: boolean;
  evidence: string;
  detail?: Record<string, string>;
}

export interface SubscriberContact {
  id: string;
  name: string;
  nameKana: string | null;
  email: string | null;
  phone: string | null;
  address: string | null;
  contract: string | null;
  plan: string | null;
  status: string | null;
  from: 'store' | 'directory';
}

export interface AttributionCandidate {
  subscriberKey?: string;
  keyKind?: string;
  subscriberId?: string;
  confidence: number;
  notes: string[];
  links: AttributionLink[];
  directoryError?: string;
  /** Only for roles with subscriber.read. */
  subscriber?: SubscriberContact;
}

/** GET /api/attribution/who */
export interface WhoAnswer {
  address: string;
  port?: number;
  at: string;
  skewMs: number;
  candidates: AttributionCandidate[];
}

export interface LegalHold {
  id: number;
  subject: string;
  fromAt: string;
  untilAt: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  releasedAt: string | null;
}

export interface LegalHoldList {
  items: LegalHold[];
}

export interface AuditEntryFull {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  purpose: string | null;
  requestId: string | null;
  detail: unknown;
}

/** GET /api/audit: `next` is the beforeId of the next older page, null on the last. */
export interface AuditFilteredPage {
  items: AuditEntryFull[];
  next: number | null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  purpose?: string;
}

export interface ManagedUser {
  id: number;
  username: string;
  displayName: string | null;
  role: Role;
  mustChangePassword: boolean;
  createdAt: string;
  disabledAt: string | null;
  lastLoginAt: string | null;
  /** Only in the answer that created or reset it. */
  oneTimePassword?: string;
}

export interface UserList {
  items: ManagedUser[];
}

export interface RoleGrant {
  role: Role;
  permissions: string[];
}

export interface RoleList {
  items: RoleGrant[];
}

export interface ApiTokenInfo {
  id: number;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface TokenList {
  items: ApiTokenInfo[];
}

/** POST /api/tokens: the secret is in this answer only. */
export interface CreatedToken {
  token: ApiTokenInfo;
  secret: string;
}

export type PolicyEffect = 'block' | 'monitor' | 'not-carried';
export type PolicyReason =
  'point-disabled' | 'category-not-carried' | 'monitor-all' | 'point-monitor' | 'category-monitor' | 'block';

/** GET /api/policy */
export interface EffectivePolicy {
  monitorAll: boolean;
  categories: { category: string; action: 'block' | 'monitor' }[];
  points: {
    point: string;
    enabled: boolean;
    monitor: boolean;
    cells: { category: string; effect: PolicyEffect; reason: PolicyReason }[];
  }[];
  sources: {
    source: string;
    mode: 'block' | 'monitor' | null;
    override: 'block' | 'monitor' | null;
    effect: 'block' | 'monitor';
  }[];
}

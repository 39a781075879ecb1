// The ISP's customer record (DESIGN.md `Subscriber`) as the directory inputs produce it: imported from a CSV
// export or looked up in the billing system, then kept by the store and joined to leases through `keys`.

import type { SubscriberKeyKind } from '../../domain/lease.js';

export const SUBSCRIBER_STATUSES = ['active', 'suspended', 'closed'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const SUBSCRIBER_LOCALES = ['ja', 'en'] as const;
export type SubscriberLocale = (typeof SUBSCRIBER_LOCALES)[number];

/** How a lease names its holder: the same kinds as `LeaseEvent.keyKind`, so a lease joins on (kind, value). */
export type SubscriberKey = { kind: SubscriberKeyKind; value: string };

export type SubscriberRecord = {
  id: string;
  name: string;
  nameKana?: string;
  /** Lower case, checked to be an address. */
  email?: string;
  /** As written: Japanese numbers are written many ways and a person reads them. */
  phone?: string;
  postalAddress?: string;
  contract?: string;
  plan?: string;
  status?: SubscriberStatus;
  /** The language notices to this subscriber are written in. */
  locale?: SubscriberLocale;
  /** Keys that identify this subscriber in lease sources: RADIUS user names, MACs, circuit ids. */
  keys: SubscriberKey[];
};

import type { Migration } from './dialect.js';
import { foundation } from './0001-foundation.js';
import { intel } from './0002-intel.js';
import { enforce } from './0003-enforce.js';
import { observe } from './0004-observe.js';
import { attribute } from './0005-attribute.js';
import { leaseSpans } from './0006-lease-spans.js';
import { abuseReports } from './0007-abuse-reports.js';
import { abuseCases } from './0008-abuse-cases.js';
import { abuseNotices } from './0009-abuse-notices.js';
import { abuseRestrictions } from './0010-abuse-restrictions.js';
import { dashboard } from './0011-dashboard.js';
import { enforceModes } from './0012-enforce-modes.js';
import { intelRevision } from './0013-intel-revision.js';
import { abuseCaseAddresses } from './0014-abuse-case-addresses.js';
import { abuseEventQueues } from './0015-abuse-event-queues.js';

/** Every migration, in order. Append; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  foundation,
  intel,
  enforce,
  observe,
  attribute,
  leaseSpans,
  abuseReports,
  abuseCases,
  abuseNotices,
  abuseRestrictions,
  dashboard,
  enforceModes,
  intelRevision,
  abuseCaseAddresses,
  abuseEventQueues,
];

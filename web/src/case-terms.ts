// The abuse desk's vocabulary as the server defines it (src/domain/abuse-case.ts, abuse-event.ts, abuse-severity.ts,
// roles.ts), in the UI's language, and which roles may act. The UI only hides what a role cannot do; the server
// refuses it anyway. A value the UI does not know (added on the server later) shows as it is.
import type { TFunction } from 'i18next';
import type { CaseState, Severity } from './api-types/cases';
import type { Role } from './types';

export const CASE_STATES: readonly CaseState[] = [
  'new',
  'notified',
  'reminded',
  'restricted',
  'resolved',
  'closed',
  'ignored',
];

/** The moves the server allows (src/domain/abuse-case.ts); `restricted` only through an approved restriction. */
const NEXT: Record<CaseState, readonly CaseState[]> = {
  new: ['notified', 'resolved', 'closed', 'ignored'],
  notified: ['reminded', 'restricted', 'resolved', 'closed', 'ignored'],
  reminded: ['reminded', 'restricted', 'resolved', 'closed', 'ignored'],
  restricted: ['resolved', 'closed'],
  resolved: ['closed'],
  closed: [],
  ignored: ['closed'],
};

export function canMove(from: string, to: CaseState): boolean {
  return isCaseState(from) && NEXT[from].includes(to);
}

export function isCaseState(value: string): value is CaseState {
  return (CASE_STATES as readonly string[]).includes(value);
}

/** The moves a person makes with a reason, from the queue's bulk action and the case page. */
export const CLOSING_MOVES: readonly CaseState[] = ['resolved', 'closed', 'ignored'];

export const UNASSIGNED_REASONS = [
  'no-address',
  'outside-prefixes',
  'no-lease',
  'ambiguous',
  'no-subscriber-record',
] as const;
export type UnassignedReason = (typeof UNASSIGNED_REASONS)[number];

/** abuse.write: work cases (move, note, notify, ask for a restriction, triage the unassigned queue). */
export const ABUSE_WRITE: readonly Role[] = ['abuse_desk', 'admin'];
/** abuse.restrict: approve, decline and lift restrictions. */
export const ABUSE_RESTRICT: readonly Role[] = ['abuse_desk', 'admin'];
/** subscriber.read: contact details and a notice's text, with a purpose, audited. */
export const SUBSCRIBER_READ: readonly Role[] = ['abuse_desk', 'legal', 'admin'];

export function stateLabel(state: string, t: TFunction): string {
  return isCaseState(state) ? t(`cases.states.${state}`) : state;
}

export function severityLabel(severity: string, t: TFunction): string {
  return ['low', 'medium', 'high', 'critical'].includes(severity)
    ? t(`cases.severities.${severity as Severity}`)
    : severity;
}

export function reasonLabel(reason: string, t: TFunction): string {
  return (UNASSIGNED_REASONS as readonly string[]).includes(reason)
    ? t(`unassigned.reasons.${reason as UnassignedReason}`)
    : reason;
}

/** Who did it, as the audit trail names them: `user:hanako` reads as hanako; tokens and the system keep their kind. */
export function actorName(label: string): string {
  return label.startsWith('user:') ? label.slice('user:'.length) : label;
}

/** How long ago, in the largest whole unit: days, else hours, else minutes. */
export function ageOf(iso: string, nowMs: number, t: TFunction): string {
  const ms = Math.max(0, nowMs - Date.parse(iso));
  const days = Math.floor(ms / 86_400_000);
  if (days >= 1) return t('cases.age.days', { count: days });
  const hours = Math.floor(ms / 3_600_000);
  if (hours >= 1) return t('cases.age.hours', { count: hours });
  return t('cases.age.minutes', { count: Math.floor(ms / 60_000) });
}

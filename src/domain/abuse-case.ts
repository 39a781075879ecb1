// A case: the open matter for one subscriber and one class of problem (an RSIT type), with the events
// that make it up. Its states, and the moves between them that make sense; anything else is refused
// with the list of what is possible.

export const CASE_STATES = ['new', 'notified', 'reminded', 'restricted', 'resolved', 'closed', 'ignored'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** States in which new events still join the case. */
export const OPEN_CASE_STATES: readonly CaseState[] = ['new', 'notified', 'reminded', 'restricted'];

const NEXT: Record<CaseState, readonly CaseState[]> = {
  new: ['notified', 'resolved', 'closed', 'ignored'],
  notified: ['reminded', 'restricted', 'resolved', 'closed', 'ignored'],
  reminded: ['reminded', 'restricted', 'resolved', 'closed', 'ignored'],
  // Out of restriction only by resolving (the release) or closing.
  restricted: ['resolved', 'closed'],
  // A problem seen again after resolution opens a new case; a resolved one is only closed.
  resolved: ['closed'],
  closed: [],
  ignored: ['closed'],
};

export function isCaseState(value: string): value is CaseState {
  return (CASE_STATES as readonly string[]).includes(value);
}

export function nextCaseStates(from: CaseState): readonly CaseState[] {
  return NEXT[from];
}

export function canMoveCase(from: CaseState, to: CaseState): boolean {
  return NEXT[from].includes(to);
}

/** Why an event could not be given to a subscriber: it waits in the unassigned queue with this. */
export const UNASSIGNED_REASONS = [
  /** The report names no IP address (a URL or domain only). */
  'no-address',
  /** The address is not in the ISP's own prefixes (abuse.own_prefixes). */
  'outside-prefixes',
  /** No lease covers the address at that time. */
  'no-lease',
  /** More than one subscriber could have held it (CGNAT without a port, overlapping leases). */
  'ambiguous',
  /** A lease names a subscriber key that no subscriber record carries. */
  'no-subscriber-record',
] as const;
export type UnassignedReason = (typeof UNASSIGNED_REASONS)[number];

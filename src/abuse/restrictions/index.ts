export {
  approveRestriction,
  isRestrictionState,
  listRestrictions,
  releaseRestriction,
  requestRestriction,
  restrictionDetail,
  RESTRICTION_STATES,
  type ApprovedRestriction,
  type ReleaseKind,
  type Restriction,
  type RestrictionAddressSpan,
  type RestrictionFilter,
  type RestrictionState,
} from './restrictions.js';
export { addressesHeldNow, type HeldAddresses, type SkipReason } from './held-addresses.js';
export {
  activeRestrictedAddresses,
  restrictedClientAddresses,
  restrictedClientIndex,
  type ActiveAddress,
} from './active-clients.js';
export { escalationRound, followRestrictedSubscribers, settleRestrictions, ESCALATION_ACTOR } from './follow.js';
export { createWalledGarden, type WalledGarden, type WalledGardenOptions } from './garden.js';

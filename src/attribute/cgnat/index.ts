export { a10 } from './a10.js';
export { ciscoCgn } from './cisco-cgn.js';
export { deterministicNat, type DeterministicNat, type DeterministicNatMapping } from './deterministic-nat.js';
export { juniperPba } from './juniper-pba.js';
export { vppNat } from './vpp-nat.js';

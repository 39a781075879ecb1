export * from './append.js';
export * from './verify.js';
export * from './query.js';
export { GENESIS_HASH } from './hash.js';

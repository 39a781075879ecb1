export * from './matcher.js';
export * from './domain-index.js';
export * from './ip-index.js';
export * from './url-index.js';

export { tailFile } from './tail-file.js';
export { readLines } from './stdin.js';
export type { FilePosition, LineBatch, TailEvent, TailOptions, TailSummary } from './types.js';

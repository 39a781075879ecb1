export { tailFile } from './tail-file.js';
export { readLines, STDIN_PATH, type ReadLinesOptions } from './stdin.js';
export type { FilePosition, LineBatch, TailEvent, TailOptions, TailSummary } from './types.js';

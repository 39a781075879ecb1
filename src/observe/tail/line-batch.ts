// A piece of lines from the splitter, placed in its file: the batch handed to the caller, with the positions
// before and after it. Shared by the file tailer and the stdin reader so both number lines the same way.

import type { LinePiece } from './line-splitter.js';
import type { FilePosition, LineBatch, TailEvent } from './types.js';

export function batchOf(from: FilePosition, piece: LinePiece, head: string): LineBatch {
  const to = { ...from, offset: from.offset + piece.bytes, line: from.line + piece.lines, head };
  const batch: LineBatch = { data: piece.data, firstLine: from.line + 1, lines: piece.lines, from, to };
  if (piece.overLong) batch.overLong = true;
  return batch;
}

/** What is worth telling about a piece besides handing it over: a line cut, a line completed by the reader. */
export function pieceEvents(piece: LinePiece, batch: LineBatch, path: string): TailEvent[] {
  const events: TailEvent[] = [];
  if (piece.overLong) events.push({ type: 'line-too-long', path, line: batch.to.line, bytes: piece.bytes });
  if (piece.unterminated) events.push({ type: 'unterminated-line', path, line: batch.to.line, bytes: piece.bytes });
  return events;
}

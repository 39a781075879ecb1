// The shapes the file tailer shares with the observe pipeline that uses it. The pipeline stores `LineBatch.to`
// in the same transaction as the results of the batch, so a restart resumes exactly after the last applied line.

/** Where reading of one file stands: stored by the caller in the same DB transaction as the results of the lines before it. */
export type FilePosition = {
  /** The configured path (also while reading a rotated file such as `path.1`: dev/ino say which file it is). */
  path: string;
  /** Identity of the file the offset is in. */
  dev: number;
  ino: number;
  /** Byte offset just after the last line handed over: always at a line start. */
  offset: number;
  /** Lines handed over so far in this file identity: the next line is number `line + 1`. */
  line: number;
  /**
   * Hex sha256 of the file's first min(size, 256) bytes as far as they had been read: tells a file replaced
   * under a recycled inode, or truncated and written again, from the one the offset was measured in.
   */
  head: string;
};

export type LineBatch = {
  /**
   * Whole lines, each ending in '\n' (a '\r' before it is left for the parser to strip), at most maxBatchBytes
   * unless it is a single line longer than that. Two lines get their '\n' from the tailer rather than the file:
   * an over-long line (see `overLong`) and a final line without one, handed over at the end of a replay or
   * of a rotated file that nobody writes to any more.
   */
  data: Buffer;
  /** Number of the first line in `data` (1-based within the file identity). */
  firstLine: number;
  /** How many lines `data` holds. */
  lines: number;
  /** Position before the batch. */
  from: FilePosition;
  /** Position after the batch: what the caller stores once it has applied the batch. */
  to: FilePosition;
  /**
   * Set on a batch that is one line longer than maxLineBytes: `data` is its first maxLineBytes bytes and a '\n'.
   * The whole line is behind `to` (its full length is `to.offset - from.offset`), so numbering goes on after it.
   */
  overLong?: true;
};

/** What the tailer noticed, for logs and status. None of these stops it. */
export type TailEvent =
  /** The file is not there: reported once, then again only after it has been seen in between. */
  | { type: 'missing'; path: string }
  /** Reading starts in a file: at `offset` when resuming, at 0 otherwise. */
  | { type: 'opened'; path: string; dev: number; ino: number; offset: number; line: number }
  /** `path` names another file now (rename, or delete and create); the old one is read to its end before it. */
  | { type: 'rotated'; path: string; oldIno: number; newIno: number }
  /**
   * The file got shorter than what had been read, or its first bytes changed (copytruncate, `> file`): reading
   * starts again at 0. When a copy of the old content is found (logrotate's copytruncate leaves one beside the
   * file), the lines not yet read are read from it first (`copy`); without one they are lost. Lines written
   * between logrotate's copy and its truncate are in neither file: they are lost to any reader.
   */
  | { type: 'truncated'; path: string; offset: number; size: number; copy: string | undefined; linesMayBeLost: true }
  /** The rest of a file that has been rotated away (or copied by copytruncate) is read from `rotatedPath`. */
  | { type: 'resumed-in-rotated'; path: string; rotatedPath: string; offset: number; line: number; reason: string }
  /** A rotated file that lies between the stored position and the current file cannot be read (compressed). */
  | { type: 'rotated-file-skipped'; path: string; rotatedPath: string; reason: string; linesMayBeLost: true }
  /** The stored position could not be followed: reading starts at the beginning of the file at `path`. */
  | { type: 'position-lost'; path: string; reason: string; linesMayBeLost: true }
  /**
   * A line longer than maxLineBytes was handed over cut, as its own batch flagged `overLong`. Here and in
   * 'unterminated-line', `path` is the file the line was read from (`app.log.1` while finishing a rotated file).
   */
  | { type: 'line-too-long'; path: string; line: number; bytes: number }
  /** A final line without '\n' was handed over as a line (end of a replay, or of a rotated file). */
  | { type: 'unterminated-line'; path: string; line: number; bytes: number }
  /** An error the tailer waits out (permission denied, I/O error); it retries on the next poll when following. */
  | { type: 'error'; path: string; message: string };

export type TailSummary = {
  /** Lines handed over. */
  lines: number;
  /** File bytes those lines took (over-long lines count in full, as read). */
  bytes: number;
  batches: number;
  /** Times the file at `path` was replaced by another one (rename, or delete and create). */
  rotations: number;
  /** Times the file was truncated under the tailer, or found truncated or replaced at start. */
  truncations: number;
};

export type TailOptions = {
  path: string;
  /** What the caller stored last time; undefined = begin (see fromEnd). */
  start: FilePosition | undefined;
  /**
   * With no stored position, start at the current end (live tailing) instead of 0 (replay); default false.
   * The end is that of the last whole line, and the lines before it are counted once (one read of the file),
   * so that line numbers stay those of the file.
   */
  fromEnd?: boolean;
  /** true: keep following growth and rotation until stopped; false: read to EOF once (replay) and finish. */
  follow: boolean;
  /** Awaited before reading on: this is the backpressure. A rejection stops the tailer and rejects tailFile. */
  onBatch: (batch: LineBatch) => Promise<void>;
  onEvent?: (event: TailEvent) => void;
  /** How often to look at the file when it is not growing; default 250 ms. */
  pollMs?: number;
  /** Default 256 KiB. */
  maxBatchBytes?: number;
  /** Default 64 KiB: a longer line is handed over cut at that length as its own batch, flagged overLong. */
  maxLineBytes?: number;
  /**
   * After a rotation, how long the old file must stay unchanged before the tailer moves to the new one: a
   * writer goes on writing to the old file until it reopens (postrotate HUP). Default 2000 ms.
   */
  rotateGraceMs?: number;
  /** Stop: finishes the batch in flight, then resolves. */
  signal?: AbortSignal;
};

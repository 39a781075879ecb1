import type { Observation, ObservationPoint } from '../../domain/observation.js';
import type { MatchTable } from '../../match/compiled-indicators.js';
import type { LineFormatName } from '../line-format.js';

// What the main thread and the parse-and-match workers say to each other. Plain data only: every
// message is structured-cloned (batches' bytes are transferred, not copied).

/**
 * The indicators a worker matches with, compiled once by the main thread (or read from the snapshot on
 * disk): flat buffers, cloned in milliseconds or shared outright, with the domain table already built.
 * A ref is an indicator's index; what it stands for (categories, sources) stays in the main thread,
 * which maps results back.
 */
export type IndicatorTable = MatchTable & { generation: number };

export type WorkerSettings = {
  windowMs: number;
  /** Points whose enforcement blocks what is listed in block mode, for observations whose log cannot say. */
  blockingPoints: ObservationPoint[];
  storeRaw: boolean;
};

type BatchBase = {
  seq: number;
  input: string;
  /** For positions in dead letters: the file, socket or listener the bytes came from. */
  origin: string;
  /** ms: what year-less stamps are read against, and the time of observations whose input has none. */
  now: number;
  /**
   * The device behind this input enforces Mizugiwa's policy (its config says so): an observation its
   * log does not mark either way counts as blocked when the indicator is in block mode and Mizugiwa
   * blocks at that point.
   */
  enforced: boolean;
};

/** Whole lines of text, '\n'-terminated. */
export type LineBatchJob = BatchBase & {
  kind: 'lines';
  format: LineFormatName;
  /** IANA zone for stamps without one ('' = the machine's). */
  zone: string;
  /** A stateful format keeps one parser per stream key (input + file). */
  stream: string;
  firstLine: number;
  data: Uint8Array;
  /** The batch is one line cut at the maximum line length: dead-letter it whole. */
  overLong?: boolean;
};

/** dnstap payloads, each preceded by its length (u32 big-endian). */
export type FrameBatchJob = BatchBase & { kind: 'frames'; data: Uint8Array; count: number; firstFrame: number };

export type BatchJob = LineBatchJob | FrameBatchJob;

export type ToWorker =
  | { type: 'settings'; settings: WorkerSettings }
  | { type: 'indicators'; table: IndicatorTable }
  | { type: 'batch'; job: BatchJob };

/** Matched observations of one indicator by one client at one point in one window, within a batch. */
export type WorkerDelta = {
  /** The indicator: its line in the IndicatorTable of the result's generation. */
  ref: number;
  point: ObservationPoint;
  client: string;
  window: number;
  first: number;
  last: number;
  count: number;
  blocked: number;
  detail: string | null;
};

export type WorkerReject = { position: string; reason: string; raw: Uint8Array };

export type BatchResult = {
  seq: number;
  generation: number;
  /** Lines or frames read. */
  units: number;
  /** [point, minute (ms), observed, matched, rejected] */
  counts: [ObservationPoint, number, number, number, number][];
  deltas: WorkerDelta[];
  rejects: WorkerReject[];
  raw: Observation[] | null;
};

export type FromWorker =
  | { type: 'result'; result: BatchResult }
  | { type: 'failed'; seq: number; error: string }
  | { type: 'built'; generation: number; indicators: number; ms: number };

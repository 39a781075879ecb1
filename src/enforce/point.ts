import type { Config } from '../config/index.js';
import type { PointName, PolicySnapshot } from './snapshot.js';

// The shape every enforcement point has (DESIGN.md, plug-in shapes): render is pure, apply puts the
// result in place and makes the device use it. Guards, diffs and versions are the publisher's, once
// for all points (src/enforce/publish.ts).

export type ArtifactFile = {
  /** Absolute path the file is installed at. */
  path: string;
  content: string;
};

export type Artifact = {
  point: PointName;
  /** The entry keys it carries (entryKey), sorted: what diffs and guards compare between versions. */
  keys: string[];
  files: ArtifactFile[];
  /**
   * Set when the files embed the version or serial (the RPZ SOA): what else shapes them (settings),
   * so that "nothing changed" can be told without comparing bytes. Otherwise the bytes are compared.
   */
  fingerprint?: string;
};

export type RenderContext = {
  config: Config;
  /** Absolute data directory; a point's default paths live under it. */
  dataDir: string;
  /** The version this render becomes if published (1, 2, …). */
  version: number;
  /** Higher than every earlier version's (the RPZ SOA serial; others may ignore it). */
  serial: number;
};

export type EnforcementPoint = {
  name: PointName;
  render(snapshot: PolicySnapshot, context: RenderContext): Artifact;
  /**
   * Installs the artifact's files and makes the device load them. On failure it throws, and the
   * files that were live before are live again (src/enforce/files.ts does both halves).
   */
  apply(artifact: Artifact, context: RenderContext): Promise<void>;
};

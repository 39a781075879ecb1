// The manifest of a MISP feed (`manifest.json`: {"<event uuid>": {"timestamp": "…", …}, …}): which event files
// the transport fetches, and when each last changed. The event files themselves are read by misp-feed.ts; the
// directory or base URL the manifest and the events come from is the transport's business (run-source.ts).

import { epochSeconds, isObject } from './misp-values.js';

export type MispFeedEventFile = {
  /** The event uuid (the manifest key). */
  uuid: string;
  /** The event file to fetch, relative to the feed's base: `<uuid>.json`. */
  file: string;
  /** The event's `timestamp` (last change) as ISO 8601 UTC, to fetch only what changed since the last run. */
  timestamp: string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Lists the event files a MISP feed's `manifest.json` names, in manifest order. The manifest is configuration
 * for the transport, not a record, so a bad one throws an Error saying what is wrong. Keys must be uuids:
 * they become file names, so nothing like `../x` can reach the transport.
 */
export function mispFeedEventFiles(manifestJson: Uint8Array): MispFeedEventFile[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestJson));
  } catch (error) {
    throw new Error(`MISP feed manifest.json is not valid JSON (UTF-8): ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(manifest)) {
    throw new Error(
      `MISP feed manifest.json must be an object keyed by event uuid, got ${Array.isArray(manifest) ? 'an array' : typeof manifest}`,
    );
  }
  const files: MispFeedEventFile[] = [];
  for (const [uuid, entry] of Object.entries(manifest)) {
    if (!UUID.test(uuid)) throw new Error(`MISP feed manifest.json: key "${uuid}" is not an event uuid`);
    if (!isObject(entry)) throw new Error(`MISP feed manifest.json: the entry for ${uuid} is not an object`);
    const timestamp = epochSeconds(entry.timestamp);
    if (timestamp === undefined) {
      throw new Error(
        `MISP feed manifest.json: the entry for ${uuid} has timestamp ${JSON.stringify(entry.timestamp) ?? 'missing'}, expected epoch seconds`,
      );
    }
    files.push({ uuid, file: `${uuid}.json`, timestamp });
  }
  return files;
}

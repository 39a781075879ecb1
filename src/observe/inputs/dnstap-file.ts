import { createReadStream } from 'node:fs';
import { putDeadLetter } from '../../store/dead-letters.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { FrameStreamDecoder } from '../dnstap/frame-streams.js';
import type { ObservePipeline } from '../pipeline/pipeline.js';

const FRAMES_PER_BATCH = 2048;
const DNSTAP_CONTENT_TYPE = 'protobuf:dnstap.Dnstap';

/**
 * A recorded dnstap stream (fstrm_capture's file, `dnstap -w`, BIND's dnstap-output file): a
 * unidirectional Frame Streams stream, START with its content type, data frames, STOP. The data frames
 * go to the pipeline in batches; a stream that breaks off is reported, with what came before kept.
 */
export async function replayDnstapFile(options: {
  input: string;
  file: string;
  pipeline: ObservePipeline;
  db: Kysely<Database>;
  onBytes?: (n: number) => void;
}): Promise<{ frames: number }> {
  const decoder = new FrameStreamDecoder();
  const source = options.file === '-' ? process.stdin : createReadStream(options.file, { highWaterMark: 1 << 20 });
  let batch: Uint8Array[] = [];
  let frames = 0;
  let firstFrame = 1;
  const send = async () => {
    if (batch.length === 0) return;
    const taken = batch;
    batch = [];
    await options.pipeline.frames({ input: options.input, origin: options.file, frames: taken, firstFrame });
    firstFrame += taken.length;
  };
  const fail = (reason: string, offset: number, raw: Uint8Array) =>
    putDeadLetter(options.db, {
      source: options.input,
      format: 'dnstap',
      reason,
      position: `${options.file} byte ${offset}`,
      raw,
    });

  for await (const chunk of source as AsyncIterable<Buffer>) {
    decoder.push(chunk);
    options.onBytes?.(chunk.byteLength);
    for (let frame = decoder.next(); frame !== null; frame = decoder.next()) {
      if (frame instanceof Uint8Array) {
        // A view into its chunk (read streams allocate a new one each time); the pipeline packs the batch.
        batch.push(frame);
        frames++;
        if (batch.length >= FRAMES_PER_BATCH) await send();
      } else if (frame.kind === 'error') {
        await send();
        await fail(frame.reason, frame.offset, frame.raw);
        return { frames };
      } else if (
        frame.type === 'START' &&
        frame.contentTypes.length > 0 &&
        !frame.contentTypes.includes(DNSTAP_CONTENT_TYPE)
      ) {
        await fail(
          `not a dnstap stream: content type ${frame.contentTypes.join(', ')} (expected ${DNSTAP_CONTENT_TYPE})`,
          0,
          new Uint8Array(0),
        );
        return { frames };
      }
    }
  }
  await send();
  const broken = decoder.end();
  if (broken) await fail(broken.reason, broken.offset, broken.raw);
  return { frames };
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Format, Rejected } from '../domain/format.js';
import { listDeadLetters } from '../store/dead-letters.js';
import { sqliteStore, type TestStore } from '../../test/support/stores.js';
import { divertRejected, registerFormatReplay, type DivertCounts } from './divert.js';
import { replayDeadLetters } from './replay.js';

// A toy format for the plumbing: one port number per line, 1–65535.
let strict = true;
const ports: Format<number> = {
  name: 'test-ports',
  async *parse(input, ctx) {
    let text = '';
    for await (const chunk of input) text += Buffer.from(chunk).toString('utf8');
    let line = 0;
    for (const value of text.split('\n')) {
      line++;
      if (!value) continue;
      const n = Number(value);
      const limit = strict ? 65535 : 99999;
      if (Number.isInteger(n) && n >= 1 && n <= limit) yield n;
      else
        yield {
          rejected: true,
          reason: `"${value}" is not a port (1–${limit})`,
          position: `${ctx.input}:${line}`,
          raw: Buffer.from(value),
        } satisfies Rejected;
    }
  },
};

async function* bytes(text: string) {
  yield Buffer.from(text);
}

let store: TestStore;
before(async () => {
  store = await sqliteStore();
});
after(async () => store?.dispose());

test('good records flow on; each bad one becomes a dead letter with reason, position and raw bytes', async () => {
  const counts: DivertCounts = { accepted: 0, rejected: 0 };
  const ctx = { source: 'port-feed', input: 'ports.txt', now: new Date() };
  const out: number[] = [];
  for await (const port of divertRejected(
    store.db,
    ports.parse(bytes('53\n70000\n443\nhttp\n8080\n'), ctx),
    { source: 'port-feed', format: 'test-ports' },
    counts,
  )) {
    out.push(port);
  }
  assert.deepEqual(out, [53, 443, 8080]);
  assert.deepEqual(counts, { accepted: 3, rejected: 2 });
  const { items } = await listDeadLetters(store.db, { source: 'port-feed', limit: 10, offset: 0 });
  assert.deepEqual(items.map((d) => [d.position, d.reason]).sort(), [
    ['ports.txt:2', '"70000" is not a port (1–65535)'],
    ['ports.txt:4', '"http" is not a port (1–65535)'],
  ]);
});

test('after the parser is fixed, replay sends what now parses to the same ingest', async () => {
  const ingested: number[] = [];
  registerFormatReplay(ports, async (records) => {
    ingested.push(...records);
  });
  const { items } = await listDeadLetters(store.db, { source: 'port-feed', limit: 10, offset: 0 });
  strict = false; // the "fix": this deployment's ports go up to 99999
  const summary = await replayDeadLetters(
    store.db,
    items.map((i) => i.id),
  );
  assert.deepEqual(summary, { replayed: 1, stillRejected: 1, skipped: 0 });
  assert.deepEqual(ingested, [70000]);
  const again = await replayDeadLetters(
    store.db,
    items.map((i) => i.id),
  );
  assert.deepEqual(again, { replayed: 0, stillRejected: 1, skipped: 1 }, 'a replayed letter is not ingested twice');
});

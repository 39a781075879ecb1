// The dnstap input against the reference implementations (Debian packages dnstap-ldns and fstrm-bin):
// dnstap-ldns reads the bench generator's files (so the generator, and the Frame Streams encoder it
// uses, write real dnstap), and libfstrm's own writer, fstrm_replay, delivers a recorded stream to the
// receiver with its bidirectional handshake, over a unix socket and over TCP.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { writeDnstapStream } from '../../../bench/gen/dnstap-stream.js';
import { missingProgram } from '../../../test/support/components.js';
import { startDnstapReceiver, DNSTAP_CONTENT_TYPE } from './receiver.js';
import { FIXTURES, framesOf } from './test-frames.js';

const run = promisify(execFile);
const DNSTAP_LDNS = '/usr/bin/dnstap-ldns';
const FSTRM_REPLAY = '/usr/bin/fstrm_replay';
const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-dnstap-ref-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(
  'the bench generator writes what dnstap-ldns reads',
  { skip: missingProgram(DNSTAP_LDNS, 'dnstap-ldns') },
  () => {
    test('every message, with the generated client, name and type', async () => {
      const file = join(dir, 'generated.fstrm');
      const names = ['www.example.com', 'deep.sub.example.org', 'x.test'];
      const { pairs } = writeDnstapStream(file, { messages: 101, names });
      const { stdout, stderr } = await run(DNSTAP_LDNS, ['-r', file, '-q']);
      assert.equal(stderr, '');
      const lines = stdout.trim().split('\n');
      assert.equal(lines.length, 101);
      lines.forEach((line, i) => {
        const pair = pairs[Math.floor(i / 2)]!;
        const kind = i % 2 === 0 ? 'CQ' : 'CR';
        const pattern = `^\\S+ \\S+ ${kind} ${pair.client.replaceAll('.', '\\.')} UDP \\d+b "${pair.name}\\." IN ${pair.qtype}$`;
        assert.match(line, new RegExp(pattern), `line ${i}`);
      });
    });
  },
);

describe(
  'libfstrm’s writer (fstrm_replay) to the receiver',
  { skip: missingProgram(FSTRM_REPLAY, 'fstrm-bin') },
  () => {
    const fixture = `${FIXTURES}unbound-1.17.fstrm`;
    const expected = framesOf(readFileSync(fixture)).map((f) => Buffer.from(f).toString('hex'));

    for (const transport of ['unix', 'tcp'] as const) {
      test(`over ${transport}: the handshake, every frame, no errors`, async () => {
        const got: string[] = [];
        const errors: unknown[] = [];
        const started: object[] = [];
        const info = (fields: object, msg: string) => msg === 'dnstap stream started' && started.push(fields);
        const r = await startDnstapReceiver({
          logger: { debug() {}, info, warn() {}, error() {} },
          ...(transport === 'unix' ? { unix: join(dir, 'replay.sock') } : { tcp: '127.0.0.1:0' }),
          onFrames: (frames) => {
            got.push(...frames.map((f) => Buffer.from(f).toString('hex')));
          },
          onError: (e) => errors.push(e),
        });
        try {
          const where =
            transport === 'unix' ? ['-u', r.address().unix!] : ['-a', '127.0.0.1', '-p', String(r.address().tcp!.port)];
          await run(FSTRM_REPLAY, ['-t', DNSTAP_CONTENT_TYPE, '-r', fixture, ...where], { timeout: 10_000 });
          // fstrm_replay exits after FINISH, so everything has arrived.
          assert.deepEqual(got, expected);
          assert.deepEqual(errors, []);
          assert.deepEqual(
            started.map((s) => (s as { bidirectional: boolean }).bidirectional),
            [true],
            'READY/ACCEPT first',
          );
          assert.equal(r.stats().frames, 32);
        } finally {
          await r.close();
        }
      });
    }
  },
);

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Progress } from '../jobs/run.js';
import { withProgressBar } from './progress.js';

test('the CLI progress bar forwards every update to the job it shows', () => {
  const seen: string[] = [];
  const controller = new AbortController();
  const inner: Progress = {
    setTotal: (t) => seen.push(`total ${t}`),
    advance: (by = 1) => seen.push(`advance ${by}`),
    set: (d) => seen.push(`set ${d}`),
    message: (m) => seen.push(`message ${m}`),
    signal: controller.signal,
  };
  const bar = withProgressBar('test', inner);
  bar.progress.setTotal(10);
  bar.progress.advance();
  bar.progress.advance(4);
  bar.progress.set(9);
  bar.progress.message('almost');
  bar.stop();
  assert.deepEqual(seen, ['total 10', 'advance 1', 'advance 4', 'set 9', 'message almost']);
  controller.abort();
  assert.equal(bar.progress.signal.aborted, true);
});

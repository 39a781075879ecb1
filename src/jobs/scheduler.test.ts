import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { startScheduler } from './scheduler.js';

const quiet = pino({ level: 'silent' });

test('tasks run on their cron schedule, a failing run does not stop the next, and stop() stops them', async () => {
  let ok = 0;
  let failing = 0;
  const scheduler = startScheduler(
    [
      { name: 'counts', cron: '* * * * * *', run: async () => ok++ },
      {
        name: 'fails',
        cron: '* * * * * *',
        run: async () => {
          failing++;
          throw new Error('feed server down');
        },
      },
    ],
    quiet,
  );
  const next = scheduler.next('counts');
  assert.ok(next && next.getTime() - Date.now() <= 1000, 'the next run is within a second');
  assert.equal(scheduler.next('unknown'), null);
  await new Promise((r) => setTimeout(r, 2300));
  scheduler.stop();
  assert.ok(ok >= 2, `ran ${ok} times`);
  assert.ok(failing >= 2, `the failing task ran ${failing} times: a failure does not end the schedule`);
  const stoppedAt = ok;
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(ok, stoppedAt, 'no run after stop()');
});

test('a run still going when the next is due is skipped, not stacked', async () => {
  let concurrent = 0;
  let maxConcurrent = 0;
  let runs = 0;
  const scheduler = startScheduler(
    [
      {
        name: 'slow',
        cron: '* * * * * *',
        run: async () => {
          runs++;
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          await new Promise((r) => setTimeout(r, 2500));
          concurrent--;
        },
      },
    ],
    quiet,
  );
  await new Promise((r) => setTimeout(r, 3200));
  scheduler.stop();
  assert.equal(maxConcurrent, 1);
  assert.ok(runs >= 1);
});

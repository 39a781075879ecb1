import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { sqliteStore } from '../../../test/support/stores.js';
import { addEvents, addSubscriber, iso, noticesConfig } from './notices.test-support.js';
import { describeNotifier, notifierTasks } from './schedule.js';

test('serve runs the notifier on its schedule once a relay is set, and logs counts, never the digests', async () => {
  const store = await sqliteStore();
  const received: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, done) {
      stream.resume();
      stream.on('end', () => (received.push(session.envelope.rcptTo[0]!.address), done()));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const log = pino({ level: 'silent' });
    const off = noticesConfig({ smtp: { host: '' } });
    assert.deepEqual(notifierTasks(store.db, off, '.', log), []);
    assert.match(describeNotifier(off), /not sent \(abuse\.notices\.smtp\.host is empty\)/);
    assert.deepEqual(notifierTasks(store.db, noticesConfig({ schedule: '' }), '.', log), []);

    const port = (server.server.address() as AddressInfo).port;
    const config = noticesConfig({ smtp: { host: '127.0.0.1', port, from: 'abuse@isp.example.jp' } });
    const [task] = notifierTasks(store.db, config, '.', log);
    assert.equal(task?.name, 'abuse-notifier');
    assert.equal(task?.cron, '*/15 * * * *');
    assert.match(describeNotifier(config), /through 127\.0\.0\.1:\d+ on "\*\/15 \* \* \* \*"/);

    await addSubscriber(store.db, 'C-1001', { name: '山田 太郎', email: 'taro@example.jp' });
    await addEvents(store.db, 'C-1001', [{ time: iso(Date.now() - 3_600_000) }]);
    const result = await task!.run();
    assert.deepEqual(result, { sent: 1, failed: 0, bounced: 0, retried: 0, awaitingExport: 0, caseMoveProblems: 0 });
    assert.deepEqual(received, ['taro@example.jp']);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.dispose();
  }
});

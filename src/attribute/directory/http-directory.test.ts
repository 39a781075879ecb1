import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { DirectoryLookupError, httpDirectory, type HttpDirectoryConfig } from './http-directory.js';
import { httpDirectoryConfigProblems } from './http-directory-config.js';

const SECRET = 'Bearer s3cret-token-for-tests';

/** What the billing system was asked: method, path with query, and whether the credentials were right. */
const asked: { url: string; authorised: boolean }[] = [];
let server: Server;
let base: string;

const CUSTOMER = {
  customer: {
    id: 1001,
    fullName: ' 山田 太郎 ',
    kana: 'ヤマダ タロウ',
    contact: { email: 'Taro.Yamada@Example.JP', phone: '090-0000-0001' },
    address: '東京都港区芝公園4-2-8',
    contract: { number: 'K-2020-0001', plan: 'FTTH 1G' },
    state: '利用中',
  },
};

function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, 'http://localhost');
  asked.push({ url: req.url!, authorised: req.headers.authorization === SECRET });
  if (req.headers.authorization !== SECRET) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid token"}');
    return;
  }
  const json = (body: unknown, status = 200): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const key = decodeURIComponent(url.pathname.split('/').pop()!);
  if (url.pathname === '/api/search') {
    const items = url.searchParams.get('user') === 'taro' ? [{ no: 'C-1', name: 'Taro', mail: 'taro@example.jp' }] : [];
    json({ total: items.length, items });
    return;
  }
  switch (key) {
    case 'taro':
      return json(CUSTOMER);
    case 'nobody':
      return json({ error: 'not found' }, 404);
    case 'gone':
      res.writeHead(204).end();
      return;
    case 'null':
      return json(null);
    case 'boom':
      res
        .writeHead(500, { 'content-type': 'text/html' })
        .end('<html><body><h1>Internal Server Error</h1><p>database is down</p></body></html>');
      return;
    case 'moved':
      res.writeHead(302, { location: 'https://billing.example.jp/login?next=/api&token=abc' }).end();
      return;
    case 'slow': {
      const timer = setTimeout(() => json(CUSTOMER), 5000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"customer": {"id": 1001,');
      return;
    case 'login-page':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>Sign in</title><form>…</form>');
      return;
    case 'no-name':
      return json({ customer: { id: 1002, contact: {} } });
    case 'object-name':
      return json({ customer: { id: 1003, fullName: { family: '山田', given: '太郎' } } });
    case 'bad-email':
      return json({ customer: { id: 1004, fullName: 'A', contact: { email: 'a@@example.jp' } } });
    case 'odd-status':
      return json({ customer: { id: 1005, fullName: 'B', state: '9' } });
    case 'echo-auth':
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request: ${req.headers.authorization} ${req.url}`);
      return;
    case 'huge':
      return json({ customer: { id: 1006, fullName: 'C', notes: 'x'.repeat(2 << 20) } });
    default:
      return json({ echo: key });
  }
}

before(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = (overrides: Partial<HttpDirectoryConfig> = {}): HttpDirectoryConfig => ({
  url: `${base}/api/customers/{key}?kind={kind}&api_key=query-secret`,
  headers: { Authorization: SECRET },
  timeoutMs: 300,
  fields: {
    id: 'customer.id',
    name: 'customer.fullName',
    nameKana: 'customer.kana',
    email: 'customer.contact.email',
    phone: 'customer.contact.phone',
    postalAddress: 'customer.address',
    contract: 'customer.contract.number',
    plan: 'customer.contract.plan',
    status: 'customer.state',
  },
  ...overrides,
});

/** The error a lookup fails with; checks it never shows the credentials. */
async function failure(key: string, overrides: Partial<HttpDirectoryConfig> = {}): Promise<string> {
  try {
    await httpDirectory(config(overrides)).lookup({ kind: 'user', value: key });
  } catch (error) {
    assert.ok(error instanceof DirectoryLookupError, String(error));
    assert.ok(!error.message.includes('s3cret'), error.message);
    assert.ok(!error.message.includes('query-secret'), error.message);
    return error.message;
  }
  assert.fail(`looking up ${key} did not fail`);
}

test('a subscriber is read through the configured paths, with the credentials, the key URL-encoded', async () => {
  const record = await httpDirectory(config()).lookup({ kind: 'user', value: 'taro' });
  assert.deepEqual(record, {
    id: '1001',
    name: '山田 太郎',
    nameKana: 'ヤマダ タロウ',
    email: 'taro.yamada@example.jp',
    phone: '090-0000-0001',
    postalAddress: '東京都港区芝公園4-2-8',
    contract: 'K-2020-0001',
    plan: 'FTTH 1G',
    status: 'active',
    keys: [{ kind: 'user', value: 'taro' }],
  });
  assert.deepEqual(asked.at(-1), { url: '/api/customers/taro?kind=user&api_key=query-secret', authorised: true });

  const echoed = await httpDirectory(config({ fields: { id: 'echo', name: 'echo' } })).lookup({
    kind: 'circuit',
    value: 'xe-0/0/1:100 vlan 20',
  });
  assert.equal(echoed!.id, 'xe-0/0/1:100 vlan 20');
  assert.equal(asked.at(-1)!.url, '/api/customers/xe-0%2F0%2F1%3A100%20vlan%2020?kind=circuit&api_key=query-secret');
});

test('not found: 404, 204, JSON null, and a search that answers an empty list', async () => {
  const directory = httpDirectory(config());
  assert.equal(await directory.lookup({ kind: 'user', value: 'nobody' }), undefined);
  assert.equal(await directory.lookup({ kind: 'user', value: 'gone' }), undefined);
  assert.equal(await directory.lookup({ kind: 'user', value: 'null' }), undefined);

  const search = httpDirectory(
    config({
      url: `${base}/api/search?{kind}={key}`,
      fields: { id: 'items[0].no', name: 'items[0].name', email: 'items.0.mail' },
    }),
  );
  assert.equal(await search.lookup({ kind: 'user', value: 'hanako' }), undefined);
  assert.deepEqual(await search.lookup({ kind: 'user', value: 'taro' }), {
    id: 'C-1',
    name: 'Taro',
    email: 'taro@example.jp',
    keys: [{ kind: 'user', value: 'taro' }],
  });
});

test('a MAC asked for is kept in its canonical form', async () => {
  const record = await httpDirectory(config({ fields: { id: 'echo', name: 'echo' } })).lookup({
    kind: 'mac',
    value: '00-00-5E-00-53-01',
  });
  assert.deepEqual(record!.keys, [{ kind: 'mac', value: '00:00:5e:00:53:01' }]);
});

test('wrong credentials: what the billing system said, and to check headers', async () => {
  const message = await failure('taro', { headers: { Authorization: 'Bearer s3cret-wrong' } });
  assert.match(message, /answered 401 Unauthorized \("\{"error":"invalid token"\}"\); check headers/);
  assert.equal(asked.at(-1)!.authorised, false);
});

test('a server error: the status and the text of its error page', async () => {
  const message = await failure('boom');
  assert.match(
    message,
    /^the billing system at http:\/\/127\.0\.0\.1:\d+\/api\/customers\/\{key\}\?kind=\{kind\}&api_key=…, asked for a user key, answered 500 Internal Server Error \("Internal Server Error database is down"\); the billing system failed/,
  );
});

test('credentials echoed back in an error page are not repeated', async () => {
  const message = await failure('echo-auth');
  assert.match(
    message,
    /answered 400 Bad Request \("bad request: \[redacted\] \/api\/customers\/echo-auth\?kind=user&api_key=\[redacted\]"\); check url/,
  );
});

test('a redirect is not followed', async () => {
  const message = await failure('moved');
  assert.match(
    message,
    /answered 302 Found; it redirects to https:\/\/billing\.example\.jp\/login\?next=…&token=…: if that is the lookup, put it in url/,
  );
});

test('no answer within timeoutMs', async () => {
  const started = Date.now();
  const message = await failure('slow');
  assert.ok(Date.now() - started < 3000);
  assert.match(message, /did not answer within 300 ms: check that it is up, or raise timeoutMs/);
});

test('a body that is not JSON: cut off, or a web page', async () => {
  assert.match(
    await failure('malformed'),
    /answered 200 with application\/json that is not JSON \("\{"customer": \{"id": 1001,"\); check that url is the JSON API/,
  );
  assert.match(await failure('login-page'), /answered 200 with text\/html that is not JSON \("Sign in …"\)/);
});

test('a required field missing or not a value: which config field to check, and what the answer has', async () => {
  assert.match(
    await failure('no-name'),
    /answered without customer\.fullName \(fields\.name is "customer\.fullName"\); check fields\.name against the answer \(its top-level names are customer\)/,
  );
  assert.match(
    await failure('object-name'),
    /answered with an object at customer\.fullName, not a value; check fields\.name/,
  );
  assert.match(
    await failure('taro', { fields: { id: 'data.customer.id', name: 'customer.fullName' } }),
    /answered without data \(fields\.id is "data\.customer\.id"\); check fields\.id/,
  );
});

test('a value the record cannot hold: an email that is not one, a status nobody mapped', async () => {
  assert.match(
    await failure('bad-email'),
    /holds an email for subscriber 1004 that is not an address: .*; correct it in the billing system, or check that fields\.email points at the email/,
  );
  assert.match(
    await failure('odd-status'),
    /gives subscriber 1005 the status "9", which is none of .*; map it in statusValues/,
  );
  const mapped = await httpDirectory(config({ statusValues: { '9': 'closed' } })).lookup({
    kind: 'user',
    value: 'odd-status',
  });
  assert.equal(mapped!.status, 'closed');
});

test('an answer over 1 MiB is refused', async () => {
  assert.match(
    await failure('huge'),
    /answered with more than 1048576 bytes, .*check that url looks up one subscriber/,
  );
});

test('a billing system that cannot be reached', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  assert.match(
    await failure('taro', { url: `http://127.0.0.1:${port}/api/{key}` }),
    /could not be reached \(ECONNREFUSED\): check url, and that this host can connect to it/,
  );
});

test('config problems are said as sentences, all at once, and httpDirectory refuses the config', () => {
  assert.deepEqual(httpDirectoryConfigProblems(config()), []);
  const problems = httpDirectoryConfigProblems({
    url: 'ftp://user:pw@billing.example.jp/{id}',
    headers: { 'Bad Name': 'x', Authorization: 'Bearer a\r\nInjected: 1' },
    timeoutMs: -1,
    fields: { id: 'customer..id', mail: 'x' } as never,
    statusValues: { '1': 'open' } as never,
  });
  assert.deepEqual(problems, [
    'url "ftp://user:pw@billing.example.jp/{id}" has no {key}: put {key} where the subscriber\'s key goes (…/customers/{key}).',
    'url has placeholders this lookup does not fill: {id}; only {key} and {kind} are filled in.',
    'url must start with https:// (or http:// inside your own network), not ftp://.',
    'url holds a user name or password: put credentials in headers (Authorization) instead.',
    'headers: "Bad Name" is not a valid HTTP header name.',
    'headers: the value of Authorization holds a line break; remove it.',
    'timeoutMs must be a whole number of milliseconds from 1 to 120000 (default 10000).',
    "fields.name is missing: say where in the billing system's answer the subscriber's name is.",
    'fields.id: "customer..id" is not a path into JSON: write names joined by dots, with [n] after a name for the n-th item of a list (customer.contact.email, items[0].name).',
    'fields.mail is not a subscriber field; the fields are id, name, nameKana, email, phone, postalAddress, contract, plan, status.',
    'statusValues: "1" must map to active, suspended or closed, not "open".',
  ]);
  assert.ok(problems.every((p) => !p.includes('Bearer')));
  assert.deepEqual(
    httpDirectoryConfigProblems({ url: 'https://{key}.billing.example.jp/', fields: { id: 'id', name: 'name' } }),
    ['url has {key} or {kind} in its host name: put them in the path or query.'],
  );
  assert.deepEqual(httpDirectoryConfigProblems({} as HttpDirectoryConfig), [
    'url is missing: give the address of the billing system lookup, with {key} where the key goes.',
    'fields is missing: say where in the answer id and name are, like id: customer.id, name: customer.name.',
  ]);
  assert.throws(
    () => httpDirectory({ url: 'https://billing.example.jp/api', fields: { id: 'id', name: 'name' } }),
    /^Error: the billing system directory config is wrong: url "https:\/\/billing\.example\.jp\/api" has no \{key\}/,
  );
});

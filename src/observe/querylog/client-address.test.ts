import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, isDottedQuad, portNumber, readAddressAndPort } from './client-address.js';

test('dotted quads are checked by character and kept as written', () => {
  for (const ok of ['0.0.0.0', '192.0.2.10', '255.255.255.255', '10.0.0.1']) assert.equal(isDottedQuad(ok), true, ok);
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1..2.3',
    '1.2.3.4.',
    '.1.2.3',
    '1.2.3.a',
    '1234.1.1.1',
    '1.2.3.4 ',
  ]) {
    assert.equal(isDottedQuad(bad), false, bad);
  }
});

test('IPv6 clients in RFC 5952 form; v4-mapped ones as IPv4; a link scope dropped', () => {
  assert.equal(clientAddress('2001:db8::1'), '2001:db8::1');
  assert.equal(clientAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(clientAddress('::1'), '::1');
  assert.equal(clientAddress('::ffff:192.0.2.16'), '192.0.2.16');
  assert.equal(clientAddress('fe80::1%eth0'), 'fe80::1');
  assert.equal(clientAddress('fe80::1%2'), 'fe80::1');
  // asked twice, answered the same (the second time from the cache)
  assert.equal(clientAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
});

test('what is not an address is undefined', () => {
  for (const bad of ['', 'localhost', '2001:db8::g', ':::', '192.0.2.300', '(no-peer)', '1:2:3:4:5:6:7:8:9']) {
    assert.equal(clientAddress(bad), undefined, bad);
  }
  assert.equal(clientAddress('2001:db8::g'), undefined, 'a cached miss stays a miss');
});

test('port numbers 0–65535 in decimal', () => {
  const port = (text: string) => portNumber(`#${text} `, 1, 1 + text.length);
  assert.equal(port('0'), 0);
  assert.equal(port('53'), 53);
  assert.equal(port('65535'), 65535);
  for (const bad of ['', '65536', '99999', '123456', '5a', '-1', ' 5']) assert.equal(port(bad), -1, bad);
});

test('Unbound clients: ADDRESS or ADDRESS@PORT', () => {
  const read = (text: string) => readAddressAndPort(` ${text} `, 1, 1 + text.length);
  assert.deepEqual(read('192.0.2.10'), { client: '192.0.2.10', clientPort: undefined });
  assert.deepEqual(read('192.0.2.10@53412'), { client: '192.0.2.10', clientPort: 53412 });
  assert.deepEqual(read('2001:db8::10@5353'), { client: '2001:db8::10', clientPort: 5353 });
  assert.equal(read('192.0.2.10@'), 'the client port "" is not a port number');
  assert.equal(read('@53'), 'the client address "@53" is not an IP address');
  assert.equal(read('host@53'), 'the client address "host" is not an IP address');
});

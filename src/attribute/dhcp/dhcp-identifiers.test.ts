import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentIdText, agentIdsFromOption82, canonicalHex, hexRunBytes } from './dhcp-identifiers.js';

test('hex identifiers in one text whatever the server wrote', () => {
  assert.equal(canonicalHex('2:0:5E:0:53:1'), '02:00:5e:00:53:01');
  assert.equal(canonicalHex('02-00-5e-00-53-01'), undefined);
  assert.equal(canonicalHex(''), undefined);
  assert.deepEqual(hexRunBytes('0x0103726330'), [1, 3, 0x72, 0x63, 0x30]);
  assert.equal(hexRunBytes('0x123'), undefined);
});

test('a circuit id is its text when printable, its hex otherwise', () => {
  assert.equal(agentIdText([0x72, 0x63, 0x30]), 'rc0');
  assert.equal(agentIdText([0, 4, 0, 0x64, 1, 1]), '00:04:00:64:01:01');
  assert.equal(agentIdText([0x61, 0x0a]), '61:0a');
});

test('option 82 sub-options; undefined when their lengths do not add up', () => {
  assert.deepEqual(agentIdsFromOption82([1, 3, 0x72, 0x63, 0x30, 2, 2, 0xab, 0xcd, 6, 1, 0x78, 9, 0]), {
    circuitId: 'rc0',
    remoteId: 'ab:cd',
    subscriberId: 'x',
  });
  assert.equal(agentIdsFromOption82([1, 5, 0x72]), undefined);
  assert.equal(agentIdsFromOption82([1]), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recipientFilter } from './recipients.js';

test('takes configured addresses and whole domains, without case', () => {
  const accepts = recipientFilter(['abuse@example.jp', '@abuse.example.net']);
  assert.equal(accepts('abuse@example.jp'), true);
  assert.equal(accepts('Abuse@EXAMPLE.jp'), true);
  assert.equal(accepts('noc@abuse.example.net'), true);
  assert.equal(accepts('anything@ABUSE.example.net'), true);
});

test('refuses other addresses of the same domain, parents and children of a domain, and non-addresses', () => {
  const accepts = recipientFilter(['abuse@example.jp', '@abuse.example.net']);
  assert.equal(accepts('postmaster@example.jp'), false);
  assert.equal(accepts('abuse@mail.example.jp'), false);
  assert.equal(accepts('noc@example.net'), false);
  assert.equal(accepts('noc@x.abuse.example.net'), false);
  assert.equal(accepts('abuse.example.net'), false);
  assert.equal(accepts('@abuse.example.net'), false);
  assert.equal(accepts(''), false);
});

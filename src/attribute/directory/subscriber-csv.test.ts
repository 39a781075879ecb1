import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { mutations, truncations } from '../../observe/line-mutations.test-support.js';
import { parseSubscriberCsv, SubscriberCsvHeaderError, type SubscriberCsvItem } from './subscriber-csv.js';
import type { SubscriberRecord } from './subscriber-record.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`fixtures/${name}`, import.meta.url));

async function* inChunks(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function parse(input: Buffer | string, chunkSize = 64 * 1024): Promise<SubscriberCsvItem[]> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const out: SubscriberCsvItem[] = [];
  for await (const item of parseSubscriberCsv(inChunks(bytes, chunkSize))) out.push(item);
  return out;
}

const records = (items: SubscriberCsvItem[]): SubscriberRecord[] =>
  items.flatMap((i) => ('record' in i ? [i.record] : []));
const rejections = (items: SubscriberCsvItem[]) => items.flatMap((i) => ('rejected' in i ? [i] : []));

test('an English export: fields normalised, several keys per cell, rows numbered as the file', async () => {
  const items = await parse(fixture('subscribers-en.csv'));
  assert.deepEqual(
    items.map((i) => ('record' in i ? i.row : -1)),
    [2, 3, 4],
  );
  assert.deepEqual(records(items), [
    {
      id: 'C-1001',
      name: 'Yamada Taro',
      nameKana: 'ヤマダ タロウ',
      email: 'taro.yamada@example.jp',
      phone: '090-0000-0001',
      postalAddress: '1-2-3 Minato, Tokyo',
      contract: 'K-2020-0001',
      plan: 'FTTH 1G',
      status: 'active',
      keys: [
        { kind: 'user', value: 'taro@isp.example.jp' },
        { kind: 'mac', value: '00:00:5e:00:53:5e' },
      ],
    },
    {
      id: 'C-1002',
      name: 'Suzuki Hanako',
      email: 'hanako@example.jp',
      phone: '(03) 0000-0002',
      contract: 'K-2021-0042',
      plan: 'FTTH 10G',
      status: 'suspended',
      keys: [
        { kind: 'user', value: 'hanako@isp.example.jp' },
        { kind: 'user', value: 'hanako2@isp.example.jp' },
        { kind: 'mac', value: '00:00:5e:00:53:60' },
        { kind: 'mac', value: '00:00:5e:00:53:61' },
      ],
    },
    {
      id: 'C-1003',
      name: 'Sato Ichiro',
      status: 'closed',
      // A cell with `;` is split on `;` alone, so a circuit id may hold spaces.
      keys: [
        { kind: 'circuit', value: 'xe-0/0/1:100 vlan 20' },
        { kind: 'circuit', value: 'xe-0/0/1:101' },
      ],
    },
  ]);
});

test('Japanese column names, UTF-8 with a BOM and CRLF, a line break inside a quoted address', async () => {
  const items = await parse(fixture('subscribers-ja-bom.csv'));
  assert.deepEqual(rejections(items), []);
  assert.deepEqual(
    items.map((i) => i.row),
    [2, 3, 5],
  );
  const [taro, company, closed] = records(items);
  assert.deepEqual(taro, {
    id: 'C-2001',
    name: '山田 太郎',
    nameKana: 'ヤマダ タロウ',
    // Full-width in the file: an address mail can be sent to.
    email: 'taro@example.jp',
    // Kept as written.
    phone: '０９０-0000-0001',
    postalAddress: '東京都港区芝公園４丁目２－８',
    contract: 'K-2020-0001',
    plan: '光1ギガ',
    status: 'active',
    keys: [
      { kind: 'user', value: 'taro@isp.example.jp' },
      { kind: 'mac', value: '00:00:5e:00:53:5e' },
    ],
  });
  assert.equal(company!.name, '㈱水際商事');
  assert.equal(company!.postalAddress, '大阪府大阪市北区梅田１－１－３\n水際ビル５階');
  assert.equal(company!.plan, '光10ギガ～法人');
  assert.equal(company!.status, 'suspended');
  assert.deepEqual(company!.keys.at(-1), { kind: 'circuit', value: 'osaka-olt-01:1/1/3' });
  assert.equal(closed!.status, 'closed');
  assert.deepEqual(closed!.keys, []);
});

test('a Shift_JIS (CP932) export is detected and decoded, its bad row rejected and the others read', async () => {
  const items = await parse(fixture('subscribers-ja-sjis.csv'));
  assert.deepEqual(
    items.map((i) => ('record' in i ? `${i.row} ${i.record.id}` : `${i.row} rejected`)),
    ['2 S-0001', '3 rejected', '4 S-0003'],
  );
  const [takahashi, ito] = records(items);
  // 髙 (IBM extension), ① (NEC extension) and ～ (0x8160) are CP932's, not plain Shift_JIS's.
  assert.equal(takahashi!.name, '髙橋 一郎');
  assert.equal(takahashi!.nameKana, 'ﾀｶﾊｼ ｲﾁﾛｳ');
  assert.equal(takahashi!.postalAddress, '北海道札幌市中央区北１条西２丁目①号');
  assert.equal(takahashi!.plan, '光ﾏﾝｼｮﾝ～100M');
  assert.equal(takahashi!.phone, '０９０－００００－０００３');
  assert.deepEqual(takahashi!.keys, [
    { kind: 'user', value: 'takahashi@isp.example.jp' },
    { kind: 'mac', value: '00:00:5e:00:53:62' },
  ]);
  assert.equal(ito!.status, 'suspended');
  const [bad] = rejections(items);
  assert.match(bad!.reason, /^row 3: column "メール": "watanabe@example" has no dot in its domain/);
  assert.match(bad!.raw, /^S-0002,渡辺 花子,/);
});

test('the same records whatever the chunks the bytes arrive in (split characters, split CRLF)', async () => {
  for (const name of ['subscribers-en.csv', 'subscribers-ja-bom.csv', 'subscribers-ja-sjis.csv']) {
    const whole = await parse(fixture(name));
    for (const size of [1, 2, 3, 7, 100])
      assert.deepEqual(await parse(fixture(name), size), whole, `${name} by ${size}`);
  }
});

test('bad rows are rejected with row, column, what is wrong and how to fix it; the rest goes on', async () => {
  const items = await parse(fixture('subscribers-bad-rows.csv'));
  assert.deepEqual(
    records(items).map((r) => r.id),
    ['C-3001', 'C-3010'],
  );
  assert.equal(records(items)[1]!.name, 'Good "Two"');
  const reasons = rejections(items).map((r) => r.reason);
  const expected = [
    /^row 3: column "id" is empty: every subscriber needs its ID; fill it in$/,
    /^row 4: column "name" is empty: every subscriber needs a name; fill it in$/,
    /^row 5: column "email": "four@@example.jp": .*; write it as name@example.jp, or leave the cell empty$/,
    /^row 6: column "status": "maybe" is not a status; write one of active \/ suspended \/ closed, or 利用中 \/ 停止 \/ 解約/,
    /^row 7: column "mac": "00:00:5e:00:53" is not a MAC address; write six bytes in hex/,
    /^row 8: column "id": "C-3001" is already the ID of row 2; .*merge the two rows or correct the ID$/,
    /^row 9: column "radius_user": one@isp.example.jp already belongs to subscriber C-3001 \(row 2\)/,
    /^row 11: cell 7 \("surplus"\) is past the header's 6 columns/,
    /^row 13: this row has a quote \("\) that is never closed, so the rest of the file was read as one cell/,
  ];
  assert.equal(reasons.length, expected.length, reasons.join('\n'));
  expected.forEach((re, i) => assert.match(reasons[i]!, re));
  // Row 10 is a line of commas: a spreadsheet's formatted empty row, which says nothing.
  assert.ok(!items.some((i) => i.row === 10));
  const unclosed = rejections(items).at(-1)!;
  assert.equal(unclosed.raw, 'C-3011,Unclosed,"eleven@example.jp,,,\nC-3012,Swallowed,twelve@example.jp,,,');
  assert.equal(rejections(items)[0]!.raw, ',No Id,noid@example.jp,active,,');
});

test('all problems of a row are said together', async () => {
  const [item] = await parse('id,name,email,mac\n,,bad,zz\n');
  assert.ok(item && 'rejected' in item);
  assert.equal(item.reason.match(/column "(id|name|email|mac)"/g)?.length, 4, item.reason);
});

test('an unknown column is one error before any row, naming the columns that are allowed', async () => {
  const input = 'id,name,郵便番号,fax\nC-1,A,100-0001,03\n';
  await assert.rejects(parse(input), (error: Error) => {
    assert.ok(error instanceof SubscriberCsvHeaderError);
    assert.match(
      error.message,
      /^row 1: the header has columns this import does not know: "郵便番号", "fax"; rename or delete them/,
    );
    assert.match(error.message, /id \(加入者ID \/ 顧客ID\), name \(氏名 \/ 名前\), name_kana \(フリガナ \/ 氏名カナ\)/);
    assert.match(error.message, /mac \(MACアドレス\), circuit_id \(回線ID\)/);
    return true;
  });
  // Nothing is yielded before the error.
  const seen: SubscriberCsvItem[] = [];
  await assert.rejects(async () => {
    for await (const item of parseSubscriberCsv(inChunks(Buffer.from(input), 4))) seen.push(item);
  }, SubscriberCsvHeaderError);
  assert.deepEqual(seen, []);
});

test('header problems: a required column missing, a field twice, no header row, an empty file', async () => {
  await assert.rejects(parse('id,email\nC-1,a@example.jp\n'), /the header has no name \(氏名 \/ 名前\) column/);
  await assert.rejects(
    parse('id,name,氏名\nC-1,A,B\n'),
    /columns "name" and "氏名" both hold name \(氏名 \/ 名前\); keep one of them/,
  );
  await assert.rejects(
    parse('C-1,Yamada Taro,taro@example.jp\n'),
    /if the first row is a subscriber rather than column names, add a header row/,
  );
  await assert.rejects(parse(''), /the file is empty: it needs a header row/);
  await assert.rejects(parse('\ufeff\r\n\r\n'), /the file is empty/);
});

test('column names in other spellings: case, spaces, hyphens, full-width, half-width kana', async () => {
  const items = await parse(
    'Customer ID,Name,Name-Kana,E-mail,Postal Address,RADIUS User,MAC Address,Circuit ID,Client ID,ＰＬＡＮ\n' +
      'C-1,A,ｴｰ,a@example.jp,Somewhere,a@isp,00:00:5e:00:53:01,c1,01:00:00:5e:00:53:01,1G\n',
  );
  assert.deepEqual(records(items), [
    {
      id: 'C-1',
      name: 'A',
      nameKana: 'ｴｰ',
      email: 'a@example.jp',
      postalAddress: 'Somewhere',
      plan: '1G',
      keys: [
        { kind: 'user', value: 'a@isp' },
        { kind: 'mac', value: '00:00:5e:00:53:01' },
        { kind: 'circuit', value: 'c1' },
        { kind: 'client-id', value: '01:00:00:5e:00:53:01' },
      ],
    },
  ]);
});

test('keys: split on ; or spaces (full-width too), MACs in every written form, repeats kept once', async () => {
  const items = await parse(
    'id,name,radius_user,mac\n' +
      'C-1,A,u1\u3000u2  u3,00-00-5E-00-53-01;0000.5e00.5302 ;00005E005303;0:0:5e:0:53:4;00:00:5E:00:53:01\n',
  );
  assert.deepEqual(records(items)[0]!.keys, [
    { kind: 'user', value: 'u1' },
    { kind: 'user', value: 'u2' },
    { kind: 'user', value: 'u3' },
    { kind: 'mac', value: '00:00:5e:00:53:01' },
    { kind: 'mac', value: '00:00:5e:00:53:02' },
    { kind: 'mac', value: '00:00:5e:00:53:03' },
    { kind: 'mac', value: '00:00:5e:00:53:04' },
  ]);
});

test('status words in English and Japanese', async () => {
  const items = await parse('id,状態,name\n1,利用中,A\n2,停止中,B\n3,解約済み,C\n4,Active,D\n5,CLOSED,E\n6,,F\n');
  assert.deepEqual(
    records(items).map((r) => r.status),
    ['active', 'suspended', 'closed', 'active', 'closed', undefined],
  );
});

test('string chunks, a BOM among them, and a tab-separated export', async () => {
  async function* strings(): AsyncIterable<string> {
    yield '\ufeffid,na';
    yield 'me\r';
    yield '\nC-1,山田\r\n';
  }
  const out: SubscriberCsvItem[] = [];
  for await (const item of parseSubscriberCsv(strings())) out.push(item);
  assert.deepEqual(out, [{ row: 2, record: { id: 'C-1', name: '山田', keys: [] } }]);

  const tsv = await parse('id\tname\tpostal_address\nC-2\tA\t1-2-3 Minato, Tokyo\n');
  assert.equal(records(tsv)[0]!.postalAddress, '1-2-3 Minato, Tokyo');
});

test('the encoding is decided by the first non-ASCII bytes, however far down they are', async () => {
  const ascii = Array.from({ length: 400 }, (_, i) => `C-${i},Name ${i}`).join('\n');
  const sjis = Buffer.concat([
    Buffer.from(`id,name\n${ascii}\nC-x,`),
    // 山田 in Shift_JIS
    Buffer.from([0x8e, 0x52, 0x93, 0x63]),
    Buffer.from('\n'),
  ]);
  const sjisItems = await parse(sjis, 1000);
  assert.equal(records(sjisItems).at(-1)!.name, '山田');
  assert.equal(records(sjisItems).length, 401);
  const utf8Items = await parse(Buffer.from(`id,name\n${ascii}\nC-x,山田\n`), 1000);
  assert.equal(records(utf8Items).at(-1)!.name, '山田');
});

test('half-width kana that happen to be valid UTF-8 do not outvote the Shift_JIS around them', async () => {
  const sjis = Buffer.concat([
    Buffer.from('id,name_kana,name\nC-1,'),
    // ﾃｽ,テスト太郎 in Shift_JIS: C3 BD alone would read as UTF-8 "ý"
    Buffer.from([0xc3, 0xbd, 0x2c, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x91, 0xbe, 0x98, 0x59]),
    Buffer.from('\n'),
  ]);
  assert.deepEqual(records(await parse(sjis)), [{ id: 'C-1', nameKana: 'ﾃｽ', name: 'テスト太郎', keys: [] }]);
});

test("bytes that are not text in the file's encoding reject their row, not the file", async () => {
  const bytes = Buffer.concat([
    Buffer.from('id,name\nC-1,山田\nC-2,'),
    Buffer.from([0x8e, 0x52]), // Shift_JIS in a UTF-8 file
    Buffer.from('\nC-3,佐藤\n'),
  ]);
  const items = await parse(bytes);
  assert.deepEqual(
    records(items).map((r) => r.id),
    ['C-1', 'C-3'],
  );
  assert.match(
    rejections(items)[0]!.reason,
    /^row 3: the row holds bytes that are not UTF-8 text .*save the whole file again in one encoding/,
  );
});

test('a quote never closed stops at 1 MiB and says the rows after it were not read', async () => {
  const filler = Array.from({ length: 50_000 }, (_, i) => `C-${i},Name ${i},x@example.jp`).join('\n');
  const items = await parse(`id,name,email\nC-a,A,a@example.jp\nC-b,"B,b@example.jp\n${filler}\n`);
  assert.equal(items.length, 2);
  const last = items[1]!;
  assert.ok('rejected' in last);
  assert.equal(last.row, 3);
  assert.match(
    last.reason,
    /longer than 1048576 characters.*the rows after it were not read: fix this row and import the file again/,
  );
});

test('a caller that stops early closes the input', async () => {
  let closed = false;
  async function* input(): AsyncIterable<string> {
    try {
      yield 'id,name\n';
      for (let i = 0; ; i++) yield `C-${i},N\n`;
    } finally {
      closed = true;
    }
  }
  for await (const item of parseSubscriberCsv(input())) if (item.row > 5) break;
  assert.ok(closed);
});

test('damaged rows never throw: each becomes a record or a rejection', async () => {
  const lines = readFileSync(new URL('fixtures/subscribers-en.csv', import.meta.url), 'utf8')
    .split('\n')
    .slice(1, -1);
  const header = 'id,name,name_kana,email,phone,postal_address,contract,plan,status,radius_user,mac,circuit_id\n';
  const damaged = [
    ...truncations(lines),
    ...mutations(lines, { seed: 6, rounds: 1500, alphabet: ',;" \n\r:.-@\ufeff山' }),
  ];
  for (const row of damaged) {
    const items = await parse(`${header}${row}\nC-last,Last\n`);
    for (const item of items) {
      if ('rejected' in item) assert.match(item.reason, /^row \d+: /, row);
      else assert.ok(item.record.id !== '' && item.record.name !== '', row);
    }
  }
});

test('the language notices are written in: codes and names in English and Japanese; a wrong one names the choices', async () => {
  const items = await parse(
    [
      '加入者ID,氏名,言語',
      'C-1,山田 太郎,日本語',
      'C-2,John Smith,English',
      'C-3,Ann Lee,en_US',
      'C-4,李 明,中文',
      'C-5,鈴木,',
    ].join('\n'),
  );
  assert.deepEqual(
    records(items).map((r) => [r.id, r.locale]),
    [
      ['C-1', 'ja'],
      ['C-2', 'en'],
      ['C-3', 'en'],
      ['C-5', undefined],
    ],
  );
  assert.match(
    rejections(items)[0]!.reason,
    /^row 5: column "言語": "中文" is not a language .*ja \/ en, or 日本語 \/ 英語/,
  );
  const english = await parse('id,name,language\nC-9,Jane,ja\n');
  assert.equal(records(english)[0]!.locale, 'ja');
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formBoundary, readForm, type Form } from './multipart-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-form-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function saved(body: Buffer | string): string {
  const path = join(dir, `body-${n++}`);
  writeFileSync(path, body);
  return path;
}

/** A form as curl -F writes it: CRLF everywhere, a preamble-free body, the closing delimiter last. */
function form(boundary: string, parts: { headers: string[]; body: Buffer | string }[], eol = '\r\n'): Buffer {
  const pieces: Buffer[] = [];
  for (const p of parts) {
    pieces.push(Buffer.from(`--${boundary}${eol}${p.headers.join(eol)}${eol}${eol}`, 'latin1'));
    pieces.push(Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body, 'utf8'));
    pieces.push(Buffer.from(eol, 'latin1'));
  }
  pieces.push(Buffer.from(`--${boundary}--${eol}`, 'latin1'));
  return Buffer.concat(pieces);
}

function fileBytes(path: string, f: Form): Buffer {
  assert.ok(f.file, 'a file part');
  return readFileSync(path).subarray(f.file.start, f.file.end);
}

async function read(path: string, boundary: string): Promise<Form> {
  const result = await readForm(path, boundary);
  if ('problem' in result) assert.fail(result.problem);
  return result;
}

describe('formBoundary', () => {
  test('reads a quoted or plain boundary of multipart/form-data only', () => {
    assert.equal(
      formBoundary('multipart/form-data; boundary=------------------------d74496d66958873e'),
      '------------------------d74496d66958873e',
    );
    assert.equal(formBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"'), 'a b:c');
    assert.equal(formBoundary('multipart/mixed; boundary=x'), undefined);
    assert.equal(formBoundary('application/octet-stream'), undefined);
    assert.equal(formBoundary(undefined), undefined);
    assert.equal(formBoundary('multipart/form-data'), undefined);
  });
});

describe('readForm', () => {
  const boundary = '------------------------9f3c1e0b2a7d4c55';

  test('finds the exact bytes of the file part and the text fields beside it', async () => {
    // A mail with CRLF line ends, a line that starts like the boundary but is longer, and bytes that are not UTF-8.
    const mail = Buffer.concat([
      Buffer.from(`From: a@example.net\r\nSubject: x\r\n\r\nline one\r\n--${boundary}X not a delimiter\r\n`),
      Buffer.from([0xff, 0x00, 0x0d, 0x0a, 0x82, 0xa0]),
    ]);
    const path = saved(
      form(boundary, [
        { headers: ['Content-Disposition: form-data; name="format"'], body: 'arf' },
        {
          headers: [
            'Content-Disposition: form-data; name="file"; filename="report.eml"',
            'Content-Type: message/rfc822',
          ],
          body: mail,
        },
        { headers: ['Content-Disposition: form-data; name="mapping"'], body: 'nict-notice' },
      ]),
    );
    const f = await read(path, boundary);
    assert.deepEqual(fileBytes(path, f), mail);
    assert.equal(f.file?.fileName, 'report.eml');
    assert.equal(f.file?.contentType, 'message/rfc822');
    assert.deepEqual(f.fields, { format: 'arf', mapping: 'nict-notice' });
  });

  test('a file name is reduced to its last segment; RFC 5987 names and UTF-8 names are decoded', async () => {
    const one = saved(
      form(boundary, [
        {
          headers: [
            'Content-Disposition: form-data; name="file"; filename="C:\\\\Users\\\\desk\\\\2026-11-20-scan_ssh-asn64500-jp.csv"',
          ],
          body: 'a',
        },
      ]),
    );
    assert.equal((await read(one, boundary)).file?.fileName, '2026-11-20-scan_ssh-asn64500-jp.csv');
    const two = saved(
      form(boundary, [
        {
          headers: [`Content-Disposition: form-data; name="upload"; filename*=UTF-8''%E9%80%9A%E5%A0%B1.eml`],
          body: 'b',
        },
      ]),
    );
    assert.equal((await read(two, boundary)).file?.fileName, '通報.eml');
    const three = saved(
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`),
        Buffer.from('警察リスト.csv', 'utf8'),
        Buffer.from(`"\r\n\r\nc\r\n--${boundary}--\r\n`),
      ]),
    );
    assert.equal((await read(three, boundary)).file?.fileName, '警察リスト.csv');
  });

  test('bare LF line ends, a preamble and an empty text field are read too', async () => {
    const body = Buffer.concat([
      Buffer.from('preamble the client wrote\n'),
      form(
        boundary,
        [
          { headers: ['Content-Disposition: form-data; name="report_type"'], body: '' },
          { headers: ['Content-Disposition: form-data; name="file"; filename="x.json"'], body: '{"a":1}' },
        ],
        '\n',
      ),
    ]);
    const path = saved(body);
    const f = await read(path, boundary);
    assert.equal(fileBytes(path, f).toString(), '{"a":1}');
    assert.deepEqual(f.fields, { report_type: '' });
  });

  test('a delimiter that falls across the scan window is still found', async () => {
    for (const size of [1024 * 1024 - 60, 1024 * 1024 - 1, 1024 * 1024 + 5]) {
      const content = Buffer.alloc(size, 0x41);
      const path = saved(
        form(boundary, [
          { headers: ['Content-Disposition: form-data; name="file"; filename="big.csv"'], body: content },
          { headers: ['Content-Disposition: form-data; name="format"'], body: 'shadowserver' },
        ]),
      );
      const f = await read(path, boundary);
      assert.equal(f.file!.end - f.file!.start, size, `content of ${size} bytes`);
      assert.equal(f.fields.format, 'shadowserver');
    }
  });

  test('a form cut short, with another boundary, or without any file says what is wrong', async () => {
    const whole = form(boundary, [
      { headers: ['Content-Disposition: form-data; name="file"; filename="a.eml"'], body: 'Subject: x\r\n\r\nbody' },
    ]);
    const cut = saved(whole.subarray(0, whole.length - 20));
    assert.deepEqual(await readForm(cut, boundary), {
      problem: 'the form ends before its closing boundary: the upload was cut short',
    });
    assert.match(((await readForm(saved(whole), 'other-boundary')) as { problem: string }).problem, /no part/);
    const fieldsOnly = saved(
      form(boundary, [{ headers: ['Content-Disposition: form-data; name="format"'], body: 'arf' }]),
    );
    const f = await read(fieldsOnly, boundary);
    assert.equal(f.file, undefined);
    const long = saved(
      form(boundary, [{ headers: ['Content-Disposition: form-data; name="format"'], body: 'x'.repeat(5000) }]),
    );
    assert.match(((await readForm(long, boundary)) as { problem: string }).problem, /longer than 4096 bytes/);
  });
});

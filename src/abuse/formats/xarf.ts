// X-ARF abuse reports, every version one ISP receives, as one Format named `xarf`:
//
// - a JSON file: XARF v4 (`"xarf_version": "4.x.y"`, xarf-v4.ts) or a JSON report of schema versions 1 to 3
//   (`"Version": "3"`, xarf-v3.ts);
// - a mail carrying that JSON as an attachment (application/json, or a name ending .json: abusix's
//   multipart/report with `Feedback-Type: xarf` sends xarf.json, so do XARF 4 senders) or as its body;
// - an X-ARF 0.1/0.2 mail (`X-XARF: PLAIN`, report.txt YAML part, xarf-v3.ts).
//
// One report is one event. Everything this cannot read is a Rejected saying why; nothing is thrown.

import type { AbuseEvent } from '../../domain/abuse-event.js';
import type { Format, Rejected } from '../../domain/format.js';
import { collect, plainText, readMail, type MailMessage } from './mail-message.js';
import { readV3JsonReport, readV3Mail } from './xarf-v3.js';
import { readV4Report, show, type Reading } from './xarf-v4.js';

export const xarfFormat: Format<AbuseEvent> = {
  name: 'xarf',

  // A JSON report names its version near the top (any xarf_version: a newer one is better rejected as unknown by
  // this format than missed by auto-detection). A mail says X-ARF in a header (`X-XARF: PLAIN` for 0.2, `X-ARF: YES`
  // for 0.1), in a feedback-report part (`Feedback-Type: xarf`, abusix), in the name of its JSON part (xarf.json),
  // or carries the JSON as its body.
  sniff(head) {
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 8192))
      .toString('latin1')
      .replace(/^\xef\xbb\xbf/, '')
      .trimStart();
    const v4 = /"xarf_version"\s*:/.test(text);
    if (text.startsWith('{')) return v4 || (/"Version"\s*:/.test(text) && /"Report(erInfo)?"\s*:/.test(text));
    const end = text.search(/\r?\n\r?\n/);
    const headers = end === -1 ? text : text.slice(0, end);
    return (
      /^X-X?ARF:/im.test(headers) || /^Feedback-Type:\s*xarf\b/im.test(text) || /name="?xarf\.json/i.test(text) || v4
    );
  },

  async *parse(input, ctx): AsyncIterable<AbuseEvent | Rejected> {
    const raw = await collect(input);
    const first = firstSignificantByte(raw);
    if (first === undefined) {
      yield rejected('empty input: expected an X-ARF JSON report or a mail carrying one', ctx.input, raw);
      return;
    }
    if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
      yield readJsonReport(raw, ctx.input, ctx.input);
      return;
    }
    let mail: MailMessage;
    try {
      mail = await readMail(raw, ctx.input);
    } catch (error) {
      const reason = `neither JSON nor a readable mail: ${error instanceof Error ? error.message : String(error)}`;
      yield rejected(reason, ctx.input, raw);
      return;
    }
    yield* readMailReports(mail);
  },
};

// The 0.2 report part is looked for first: such a mail may carry its evidence as JSON, which is no report.
async function* readMailReports(mail: MailMessage): AsyncIterable<AbuseEvent | Rejected> {
  const v3 = await readV3Mail(mail);
  if (v3 !== undefined) {
    yield v3;
    return;
  }
  const attachments = mail.parsed.attachments.filter(
    (a) => a.contentType.toLowerCase() === 'application/json' || /\.json$/i.test(a.filename ?? ''),
  );
  if (attachments.length > 0) {
    for (const a of attachments)
      yield readJsonReport(a.content, `${mail.position} ${a.filename ?? 'application/json part'}`, mail.position);
    return;
  }
  // A JSON body may be followed by a signature or a footer the sender's mail system adds: read up to the last brace.
  const body = plainText(mail);
  const start = body.indexOf('{');
  if (start !== -1 && body.slice(0, start).trim() === '') {
    const json = body.slice(start, body.lastIndexOf('}') + 1);
    yield readJsonReport(Buffer.from(json, 'utf8'), `${mail.position} body`, mail.position);
    return;
  }
  yield rejected(
    'no X-ARF report in this mail: expected a JSON attachment (application/json or a .json name), a report.txt part (X-ARF 0.2) or a JSON body; a report written for people goes to triage instead',
    mail.position,
    mail.raw,
  );
}

/**
 * One JSON report, any version, as an event or a Rejected. `position` names the JSON (a file, a mail's attachment);
 * `evidence` is what the event points back to (the file, or the mail). The raw of a Rejected is the JSON itself,
 * which replays through this format as a file.
 */
export function readJsonReport(bytes: Uint8Array, position: string, evidence: string): AbuseEvent | Rejected {
  const json = parseJson(bytes);
  if ('reason' in json) return rejected(json.reason, `${position}@${json.byte}`, bytes);
  const report = json.value;
  if (typeof report !== 'object' || report === null || Array.isArray(report))
    return rejected(`expected one JSON object (an X-ARF report), got ${show(report)}`, position, bytes);
  const fields = report as Record<string, unknown>;
  let reading: Reading;
  if (fields.xarf_version !== undefined) {
    reading =
      typeof fields.xarf_version === 'string' && /^4\.\d+\.\d+$/.test(fields.xarf_version)
        ? readV4Report(fields, evidence)
        : { reason: `unknown version: xarf_version ${show(fields.xarf_version)} is not 4.x.y (XARF v4)` };
  } else if (fields.Version !== undefined) {
    reading = ['1', '2', '3'].includes(String(fields.Version))
      ? readV3JsonReport(fields, evidence)
      : {
          reason: `unknown version: "Version": ${show(fields.Version)} is not an X-ARF JSON version (1, 2 or 3); XARF v4 reports carry "xarf_version": "4.x.y" instead`,
        };
  } else {
    reading = {
      reason:
        'unknown version: the object has neither xarf_version (XARF v4) nor Version (X-ARF JSON 1 to 3), so it is no X-ARF report',
    };
  }
  return 'reason' in reading ? rejected(reading.reason, position, bytes) : reading;
}

/** JSON.parse, with a failure's place as a byte offset (and line and column) into `bytes`. */
function parseJson(bytes: Uint8Array): { value: unknown } | { reason: string; byte: number } {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const text = new TextDecoder('utf-8').decode(bytes.subarray(bom));
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /at position (\d+)/.exec(message);
    const index = at ? Number(at[1]) : jsonErrorIndex(text);
    const before = text.slice(0, index);
    const byte = bom + Buffer.byteLength(before, 'utf8');
    const line = before.split('\n').length;
    const column = index - before.lastIndexOf('\n');
    // V8 ends its message with the position, or for an unexpected token with a quote of the text around it:
    // dropped, since the reason gives the place as byte, line and column.
    const what = message.replace(/\s+in JSON at position \d+.*$/s, '').replace(/, (?:"|\.\.\.").*$/s, '');
    return { reason: `invalid JSON at byte ${byte} (line ${line}, column ${column}): ${what}`, byte };
  }
}

/**
 * Where JSON text first goes wrong (the offending character's index, or the length when it ends too early), for
 * the errors V8 reports without a position ("Unexpected token '}', ... is not valid JSON").
 */
export function jsonErrorIndex(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const digits = (required: boolean) => {
    const start = i;
    while (i < text.length && text[i]! >= '0' && text[i]! <= '9') i++;
    if (required && i === start) fail();
  };
  const string = () => {
    for (i++; ; i++) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      if (c === '"') return void i++;
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) if (!/[0-9a-fA-F]/.test(text[++i] ?? '')) fail();
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          space();
          if (text[i] !== '"') fail();
          string();
          space();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        space();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      if (c === '-') i++;
      if (text[i] === '0') i++;
      else digits(true);
      if (text[i] === '.') {
        i++;
        digits(true);
      }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        digits(true);
      }
      return;
    }
    for (const word of ['true', 'false', 'null'])
      if (word[0] === c) {
        for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail();
        return;
      }
    fail();
  };
  try {
    value();
    space();
    return i;
  } catch (at) {
    // a number is where it failed; anything else (a stack overflow on absurd nesting) says nothing of where
    return typeof at === 'number' ? at : text.length;
  }
}

function firstSignificantByte(bytes: Uint8Array): number | undefined {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i];
}

function rejected(reason: string, position: string, raw: Uint8Array): Rejected {
  return { rejected: true, reason, position, raw };
}

import type { Attachment, ParsedMail } from 'mailparser';

// Report formats that arrive as mail (ARF, X-ARF, ACNS notices, free text) read the message the same
// way: whole (a report mail is small, and intake caps its size), parsed by mailparser, named by its
// Message-ID for positions and dead letters.

export type MailMessage = {
  parsed: ParsedMail;
  raw: Uint8Array;
  /** `message <id@example>`, or `message without Message-ID in <input>` when it has none. */
  position: string;
};

export async function collect(input: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of input) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function readMail(raw: Uint8Array, inputName: string): Promise<MailMessage> {
  // Loaded on the first mail, not with the CLI: it is a tenth of a second every other command would pay.
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
    skipHtmlToText: false,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  const position = parsed.messageId ? `message ${parsed.messageId}` : `message without Message-ID in ${inputName}`;
  return { parsed, raw, position };
}

/** The parts of a content type (`message/feedback-report`), case-insensitive, in order. */
export function partsOfType(mail: MailMessage, contentType: string): Attachment[] {
  const wanted = contentType.toLowerCase();
  return mail.parsed.attachments.filter((a) => a.contentType.toLowerCase() === wanted);
}

/** The message's plain text: its text/plain body, or its HTML rendered to text by mailparser. */
export function plainText(mail: MailMessage): string {
  return mail.parsed.text ?? '';
}

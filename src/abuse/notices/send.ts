import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AbuseNoticesConfig } from '../../config/abuse-notices-schema.js';
import { readPasswordFile } from '../intake/password-file.js';

// Sending a notice: nodemailer's SMTP transport to the ISP's relay, optionally DKIM-signed, with the
// Message-ID Mizugiwa made and kept, so a bounce that quotes it finds its notice. A refusal is classified:
// the relay refusing the recipient for good (5xx at RCPT) is a bounce; anything else is retried next run.

export type OutgoingNotice = {
  to: string;
  subject: string;
  text: string;
  messageId: string;
  noticeId: number;
  locale: string;
};

export type SendOutcome =
  | { ok: true; response: string }
  | {
      ok: false;
      /** The recipient was refused for good: flagged as bounced, not retried. */
      permanent: boolean;
      error: string;
      /** The enhanced status code the relay gave (5.1.1), when it gave one. */
      status?: string | undefined;
    };

export type NoticeSender = {
  send(notice: OutgoingNotice): Promise<SendOutcome>;
  close(): void;
};

/** `<mizugiwa.notice.m3x9k2.5f0c…@isp.example.jp>`: unique, and recognisable in a bounce that mangles the headers. */
export function newMessageId(from: string): string {
  const domain = /@([^\s<>@]+?)>?\s*$/.exec(from)?.[1] ?? 'mizugiwa.invalid';
  return `<mizugiwa.notice.${Date.now().toString(36)}.${randomBytes(8).toString('hex')}@${domain}>`;
}

/** The pattern newMessageId writes, for finding one quoted anywhere in a bounce. */
export const NOTICE_MESSAGE_ID = /<?(mizugiwa\.notice\.[0-9a-z]+\.[0-9a-f]{16}@[^\s<>@]+?)>?(?=[\s>;,"]|$)/;

/** The SMTP sender from `abuse.notices.smtp`; paths resolve against the config's directory. */
export async function smtpSender(smtp: AbuseNoticesConfig['smtp'], configDir: string): Promise<NoticeSender> {
  const pass = smtp.user ? await readPasswordFile(resolve(configDir, smtp.password_file)) : undefined;
  const dkim = smtp.dkim
    ? {
        domainName: smtp.dkim.domain,
        keySelector: smtp.dkim.selector,
        privateKey: readFileSync(resolve(configDir, smtp.dkim.private_key_file), 'utf8'),
      }
    : undefined;
  // Loaded when a notice is first sent, not with the CLI (see formats/mail-message.ts).
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user && { auth: { user: smtp.user, pass: pass! } }),
    connectionTimeout: smtp.timeout_seconds * 1000,
    greetingTimeout: smtp.timeout_seconds * 1000,
    socketTimeout: smtp.timeout_seconds * 1000,
    ...(dkim && { dkim }),
  });
  return {
    async send(notice) {
      try {
        const info = (await transport.sendMail({
          from: smtp.from,
          to: notice.to,
          ...(smtp.reply_to && { replyTo: smtp.reply_to }),
          subject: notice.subject,
          text: notice.text,
          messageId: notice.messageId,
          date: new Date(),
          headers: {
            // RFC 3834: an automatic message; vacation responders should not answer it.
            'Auto-Submitted': 'auto-generated',
            'Content-Language': notice.locale,
            'X-Mizugiwa-Notice': String(notice.noticeId),
          },
        })) as { response?: string; rejected?: unknown[] };
        if (Array.isArray(info.rejected) && info.rejected.length > 0)
          return { ok: false, permanent: true, error: `the relay refused ${notice.to}: ${info.response ?? ''}` };
        return { ok: true, response: info.response ?? '' };
      } catch (error) {
        return classify(error);
      }
    },
    close() {
      transport.close();
    },
  };
}

export function classify(error: unknown): SendOutcome & { ok: false } {
  const e = error as { code?: string; responseCode?: number; response?: string; command?: string; message?: string };
  const text = e.response ?? e.message ?? String(error);
  const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1];
  // Refused at RCPT TO with a 5xx: the address is wrong or gone; sending again would be refused again.
  const permanent = e.code === 'EENVELOPE' && (e.responseCode ?? 0) >= 500 && /RCPT/i.test(e.command ?? 'RCPT');
  return { ok: false, permanent, error: text, status };
}

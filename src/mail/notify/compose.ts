import MailComposer from 'nodemailer/lib/mail-composer';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { oneLine, type RenderedNotification } from './templates.ts';

export interface ComposeInput {
  /** `soc@example.com` or `Security Operations <soc@example.com>`, checked by the caller's options. */
  from: string;
  /** One recipient: each copy is addressed to its reader alone. */
  to: string;
  message: RenderedNotification;
  /** `<id@domain>`, the same for every copy and every retry of one action. */
  messageId: string;
  date?: Date;
  /** Line ending of the result; `\r\n` (the wire format) unless a store wants `\n`. */
  newline?: '\r\n' | '\n';
}

/**
 * The one rendering of a notification as a MIME message, shared by every notifier so SMTP
 * and the mailbox world deliver the same bytes. Headers are encoded by the composer
 * (RFC 2047 for non-ASCII); the subject is flattened again here, so a caller that renders
 * its own subject still cannot inject a header. Marked as automatic (RFC 3834) so
 * out-of-office replies do not answer it.
 */
export function composeNotification(input: ComposeInput): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    subject: headerText(oneLine(input.message.subject)),
    text: input.message.text.replace(/\r\n?/g, '\n'),
    messageId: input.messageId,
    date: input.date ?? new Date(),
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    textEncoding: 'quoted-printable',
    newline: input.newline ?? '\r\n',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

/**
 * Text that looks like an encoded-word (`=?UTF-8?Q?=0D=0A…?=`, written by whoever sent the
 * reported phish) would be decoded by the reader's client, line breaks and all. Such a
 * subject is encoded as a whole, so what the reader sees is the literal text.
 */
function headerText(text: string): string {
  return text.includes('=?') ? encodeWord(text, 'B', 52) : text;
}

import PostalMime from 'postal-mime';
import { DEFAULT_LIMITS, type MailLimits } from './options.ts';
import { prescan } from './parse/prescan.ts';

/**
 * The original message inside a user's report, as the Outlook and Gmail report buttons
 * send it: an attached `message/rfc822` part (or an `.eml` file). Returns null when the
 * report holds no attached original (forwarded inline, or over a limit); intake then
 * records the report and routes it to a person.
 */
export async function extractReportedMessage(report: Buffer, limits: Partial<MailLimits> = {}): Promise<Buffer | null> {
  const l = { ...DEFAULT_LIMITS, ...limits };
  if (report.length === 0 || report.length > l.maxBytes) return null;
  if (prescan(report).partEstimate > l.maxParts) return null;
  let email;
  try {
    email = await PostalMime.parse(report, {
      forceRfc822Attachments: true,
      maxNestingDepth: l.maxDepth,
      maxHeadersSize: l.maxHeaderBytes,
      attachmentEncoding: 'arraybuffer',
    });
  } catch {
    return null;
  }
  const original = email.attachments.find(
    (a) => a.mimeType === 'message/rfc822' || a.mimeType === 'message/global' || /\.eml$/i.test(a.filename ?? ''),
  );
  if (!original || typeof original.content === 'string') return null;
  const c = original.content;
  return c instanceof Uint8Array ? Buffer.from(c.buffer, c.byteOffset, c.byteLength) : Buffer.from(c);
}

/**
 * Builds RFC 822 messages for tests and the benchmark, so that no third-party mail needs to
 * live in the repository. Everything is generated; nothing here is real correspondence.
 */

export interface FixtureAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** `inline` with a Content-ID, or `attachment` (default). */
  disposition?: 'inline' | 'attachment';
}

export interface FixtureMessage {
  from?: string;
  to?: string;
  replyTo?: string;
  subject?: string;
  date?: string;
  messageId?: string;
  text?: string;
  html?: string;
  attachments?: FixtureAttachment[];
  /** Extra header lines, written as given (name: value). */
  headers?: [string, string][];
}

const CRLF = '\r\n';
const wrap76 = (b64: string) => b64.replace(/.{76}/g, `$&${CRLF}`);

function part(contentType: string, body: string, extra: string[] = []): string {
  return [`Content-Type: ${contentType}`, ...extra, '', body].join(CRLF);
}

function multipart(kind: string, boundary: string, parts: string[]): string {
  return [`Content-Type: multipart/${kind}; boundary="${boundary}"`, '', ...parts.map((p) => `--${boundary}${CRLF}${p}`), `--${boundary}--`, ''].join(CRLF);
}

/** A complete message: headers, then text and/or HTML, then attachments. */
export function buildMessage(m: FixtureMessage): Buffer {
  const headers: string[] = [
    `From: ${m.from ?? 'Alice Example <alice@example.org>'}`,
    `To: ${m.to ?? 'bob@example.net'}`,
    `Subject: ${m.subject ?? 'Hello'}`,
    `Date: ${m.date ?? 'Mon, 03 Mar 2025 10:00:00 +0000'}`,
    `Message-ID: ${m.messageId ?? `<${Math.abs(hashString(JSON.stringify(m)))}@example.org>`}`,
    'MIME-Version: 1.0',
  ];
  if (m.replyTo) headers.push(`Reply-To: ${m.replyTo}`);
  for (const [name, value] of m.headers ?? []) headers.push(`${name}: ${value}`);

  const textPart = m.text === undefined ? undefined : part('text/plain; charset=utf-8', m.text, ['Content-Transfer-Encoding: 8bit']);
  const htmlPart = m.html === undefined ? undefined : part('text/html; charset=utf-8', m.html, ['Content-Transfer-Encoding: 8bit']);
  let body: string;
  if (textPart && htmlPart) body = multipart('alternative', 'alt-boundary', [textPart, htmlPart]);
  else body = textPart ?? htmlPart ?? part('text/plain; charset=utf-8', '');
  const attachments = m.attachments ?? [];
  if (attachments.length > 0) {
    const parts = [body, ...attachments.map((a) => part(
      `${a.contentType}; name="${a.filename}"`,
      wrap76(a.content.toString('base64')),
      ['Content-Transfer-Encoding: base64', `Content-Disposition: ${a.disposition ?? 'attachment'}; filename="${a.filename}"`],
    ))];
    body = multipart('mixed', 'mixed-boundary', parts);
  }
  return Buffer.from(`${headers.join(CRLF)}${CRLF}${body}`, 'utf8');
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** A small deterministic random source, so generated corpora are the same on every run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const WORDS = 'the a build kernel patch release network driver memory fix test review thanks please meeting notes schedule report update change branch merge config server client issue question answer week team project document draft'.split(' ');

/**
 * A mixed corpus of ordinary and phishing-like messages for the benchmark when the real
 * corpus is not present. Sizes and structure roughly follow ordinary mail: most plain or
 * HTML bodies of a few kilobytes, some with attachments.
 */
export function generateCorpus(count: number, seed = 42): Buffer[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const paragraphs = Array.from({ length: 3 + Math.floor(rnd() * 20) }, () => `${sentence(12 + Math.floor(rnd() * 30))}.`);
    if (rnd() < 0.5) {
      out.push(buildMessage({
        from: `Dev ${i} <dev${i}@lists.example.org>`,
        subject: `Re: ${sentence(5)}`,
        text: `${paragraphs.join('\n\n')}\n\nSee https://lists.example.org/archive/${i}\n`,
      }));
    } else {
      const links = paragraphs.map((p, k) => `<p>${p} <a href="https://track${k % 3}.example-mail.com/c/${i}-${k}">read more</a></p>`);
      const phishy = rnd() < 0.5;
      const html = phishy
        ? `<html><body><p>Dear customer,</p><p>Your account has been suspended. Verify your account within 24 hours.</p><a href="http://login-${i % 7}.example-secure.top/verify">https://www.paypal.com/signin</a>${links.join('')}</body></html>`
        : `<html><body>${links.join('')}</body></html>`;
      const attachments: FixtureAttachment[] = rnd() < 0.15
        ? [{ filename: `report-${i}.pdf`, contentType: 'application/pdf', content: Buffer.from(`%PDF-1.4\n${sentence(200)}\n/URI (https://files.example.com/${i})\n%%EOF`) }]
        : [];
      out.push(buildMessage({
        from: phishy ? `PayPal Service <service@mailer-${i % 5}.example.net>` : `News <news@shop.example.com>`,
        subject: phishy ? 'Action required: account suspended' : sentence(6),
        html,
        text: rnd() < 0.5 ? paragraphs.join('\n\n') : undefined,
        attachments,
      }));
    }
  }
  return out;
}

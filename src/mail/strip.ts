import { findHeaderEnd } from './parse/prescan.ts';

/**
 * Header fields that record how, when and through which list a message travelled, rather
 * than what it says. In the evaluation corpus they also betray the year (2002 ham,
 * 2022+ phishing), so figures are reported with them removed as well as kept.
 */
const TRANSPORT = [
  /^received$/, /^x-received$/, /^return-path$/, /^delivered-to$/, /^x-original-to$/, /^envelope-to$/, /^received-spf$/,
  /^x-ms-/, /^x-microsoft-/, /^x-forefront-/, /^x-eop/, /^x-incoming/, /^x-sender-ip$/, /^x-sid-/, /^x-originating-ip$/,
  /^x-spam-/, /^x-virus-/, /^x-mailfrom$/, /^x-gm-/, /^x-google-smtp-source$/, /^x-apparently-to$/, /^x-mail-from$/,
];
const AUTH = [/^authentication-results$/, /^arc-/, /^dkim-signature$/, /^x-google-dkim-signature$/, /^domainkey-signature$/, /^x-original-authentication-results$/, /^x-ms-exchange-authentication/];
const LIST = [/^list-/, /^precedence$/, /^mailing-list$/, /^x-mailing-list$/, /^x-beenthere$/, /^x-mailman-version$/, /^errors-to$/, /^x-loop$/, /^sender$/, /^x-list/, /^x-original-sender$/, /^x-spam-checked-in-group$/];
const DATE = [/^date$/, /^resent-/, /^x-original-date$/, /^delivery-date$/];

export const STRIPPED_HEADER_PATTERNS: readonly RegExp[] = Object.freeze([...TRANSPORT, ...AUTH, ...LIST, ...DATE]);

/** The message with transport, authentication, list and date headers (and an mbox "From " line) removed. */
export function stripTransportHeaders(raw: Buffer): Buffer {
  const end = findHeaderEnd(raw, raw.length);
  const headerBytes = end < 0 ? raw : raw.subarray(0, end);
  const rest = end < 0 ? Buffer.alloc(0) : raw.subarray(end);
  const lines = headerBytes.toString('latin1').split(/\r?\n/);
  const kept: string[] = [];
  let dropping = false;
  for (const [i, line] of lines.entries()) {
    if (i === 0 && line.startsWith('From ')) continue; // mbox separator, with its date
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    const name = line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase();
    dropping = name !== '' && STRIPPED_HEADER_PATTERNS.some((re) => re.test(name));
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), rest]);
}

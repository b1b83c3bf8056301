/** What a reporter is told, by outcome. Plain text: nothing from the reported mail is rendered as HTML. */
export type NotificationTemplate = 'received' | 'malicious' | 'safe' | 'simulation' | 'uncertain';

export const NOTIFICATION_TEMPLATES: readonly NotificationTemplate[] = ['received', 'malicious', 'safe', 'simulation', 'uncertain'];

export interface NotificationFacts {
  /** The subject of the message the person reported (untrusted: flattened to one line, links defanged). */
  reportedSubject: string;
  caseId?: string | null;
  /** How many copies were removed from mailboxes, for the malicious template. */
  contained?: number;
  /** Shown in the sign-off ("Security Operations, Acme"). */
  organisation?: string;
}

export interface RenderedNotification {
  subject: string;
  text: string;
}

/** Longest reported subject quoted back, in characters (code points). */
const MAX_QUOTED = 200;

export function renderNotification(template: NotificationTemplate, facts: NotificationFacts): RenderedNotification {
  const reported = defang(oneLine(facts.reportedSubject)) || '(no subject)';
  const caseId = facts.caseId ? oneLine(facts.caseId) : '';
  const ref = caseId ? `\nReference: ${caseId}` : '';
  const organisation = facts.organisation ? oneLine(facts.organisation) : '';
  const signOff = `\n\n-- \nSecurity Operations${organisation ? `, ${organisation}` : ''} (sent by Writ; replies reach the security team)`;
  const contained = facts.contained;
  switch (template) {
    case 'received':
      return { subject: `We received your report: ${reported}`, text: `Thank you for reporting "${reported}". We are looking at it and will tell you what we find.${ref}${signOff}` };
    case 'malicious':
      return {
        subject: `Your report was phishing: ${reported}`,
        text:
          `Thank you: the message you reported, "${reported}", was malicious.` +
          (contained !== undefined && Number.isSafeInteger(contained) && contained >= 0 ? ` We removed ${contained} cop${contained === 1 ? 'y' : 'ies'} of it from mailboxes.` : '') +
          ` If you clicked a link or entered a password, tell the security team now.${ref}${signOff}`,
      };
    case 'safe':
      return { subject: `Your report was checked: ${reported}`, text: `Thank you for reporting "${reported}". We checked it and it is safe; no action is needed.${ref}${signOff}` };
    case 'simulation':
      return {
        subject: `Well spotted: ${reported} was a phishing exercise`,
        text: `The message you reported, "${reported}", was part of our own phishing-awareness exercise. Reporting it was exactly right.${ref}${signOff}`,
      };
    case 'uncertain':
      return { subject: `Your report is under review: ${reported}`, text: `Thank you for reporting "${reported}". An analyst is reviewing it; we will tell you the outcome.${ref}${signOff}` };
    default:
      throw new TypeError(`unknown notification template: ${String(template)}`);
  }
}

/**
 * C0 and C1 controls (CR and LF among them), line and paragraph separators, zero-width
 * characters, bidirectional overrides and isolates, the byte-order mark: none may reach a
 * header (injection) or make quoted text read differently from what it is.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]+/gu;

/** Header-safe: no line breaks (header injection), no control or invisible characters, bounded length. */
export function oneLine(text: string): string {
  const flat = String(text).replace(UNSAFE, ' ').replace(/\s+/gu, ' ').trim();
  const points = Array.from(flat);
  // Cut on a code point, never inside a surrogate pair.
  return points.length > MAX_QUOTED ? `${points.slice(0, MAX_QUOTED - 1).join('').trimEnd()}…` : flat;
}

/**
 * The reported subject is written by whoever sent the phish; quoted in a mail from the
 * security team it must not become a working link. `http` becomes `hxxp` and the dots of
 * anything shaped like a host name become `[.]`, the way analysts write indicators.
 */
export function defang(text: string): string {
  return text
    .replace(/\b(h)tt(ps?)(?=:\/\/)/giu, '$1xx$2')
    .replace(/\b(f)t(p)(?=:\/\/)/giu, '$1x$2')
    .replace(/\b(?:[\p{L}\p{N}-]+\.)+\p{L}{2,63}\b/gu, (host) => host.replace(/\./gu, '[.]'))
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/gu, (ip) => ip.replace(/\./gu, '[.]'));
}

/** What a reporter is told, by outcome. Plain text: nothing from the reported mail is rendered as HTML. */
export type NotificationTemplate = 'received' | 'malicious' | 'safe' | 'simulation' | 'uncertain';

export interface NotificationFacts {
  /** The subject of the message the person reported (untrusted: flattened to one line). */
  reportedSubject: string;
  caseId?: string | null;
  /** How many copies were removed from mailboxes, for the malicious template. */
  contained?: number;
  organisation?: string;
}

export interface RenderedNotification {
  subject: string;
  text: string;
}

const SIGN_OFF = '\n\n-- \nSecurity Operations (sent by Writ; replies reach the security team)';

export function renderNotification(template: NotificationTemplate, facts: NotificationFacts): RenderedNotification {
  const reported = oneLine(facts.reportedSubject) || '(no subject)';
  const ref = facts.caseId ? `\nReference: ${facts.caseId}` : '';
  switch (template) {
    case 'received':
      return { subject: `We received your report: ${reported}`, text: `Thank you for reporting "${reported}". We are looking at it and will tell you what we find.${ref}${SIGN_OFF}` };
    case 'malicious':
      return {
        subject: `Your report was phishing: ${reported}`,
        text:
          `Thank you: the message you reported, "${reported}", was malicious.` +
          (facts.contained !== undefined ? ` We removed ${facts.contained} cop${facts.contained === 1 ? 'y' : 'ies'} of it from mailboxes.` : '') +
          ` If you clicked a link or entered a password, tell the security team now.${ref}${SIGN_OFF}`,
      };
    case 'safe':
      return { subject: `Your report was checked: ${reported}`, text: `Thank you for reporting "${reported}". We checked it and it is safe; no action is needed.${ref}${SIGN_OFF}` };
    case 'simulation':
      return {
        subject: `Well spotted: ${reported} was a phishing exercise`,
        text: `The message you reported, "${reported}", was part of our own phishing-awareness exercise. Reporting it was exactly right.${ref}${SIGN_OFF}`,
      };
    case 'uncertain':
      return { subject: `Your report is under review: ${reported}`, text: `Thank you for reporting "${reported}". An analyst is reviewing it; we will tell you the outcome.${ref}${SIGN_OFF}` };
  }
}

/** Header-safe: no line breaks (header injection), no control characters, bounded length. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

import { createHash } from 'node:crypto';

/**
 * A small organisation's mail, written for the demo (no third-party mail is shipped):
 * ordinary internal and vendor mail, and one credential-phishing campaign that imitates the
 * organisation's IT desk from a look-alike domain.
 */
export const DEMO_DOMAIN = 'example.test';
export const CAMPAIGN_SUBJECT = 'Action required: your mailbox storage is full';
export const CAMPAIGN_SENDER = 'it-helpdesk@examp1e-support.test';

const FIRST = ['ana', 'ben', 'carla', 'dev', 'emma', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kai', 'lena', 'mateo', 'nora', 'omar', 'priya', 'quinn', 'rosa', 'sven', 'tara', 'umar', 'vera', 'wei', 'xena', 'yusuf'];
const LAST = ['lopez', 'novak'];

export function demoMailboxes(count = 50): string[] {
  const out: string[] = [];
  for (const last of LAST) for (const first of FIRST) out.push(`${first}.${last}@${DEMO_DOMAIN}`);
  return out.slice(0, count);
}

function headers(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
}

function id(seed: string, domain: string): string {
  return `<${createHash('sha256').update(seed).digest('hex').slice(0, 24)}@${domain}>`;
}

const ORDINARY: Array<{ from: string; subject: string; body: string }> = [
  { from: `Facilities <facilities@${DEMO_DOMAIN}>`, subject: 'Lift maintenance on Thursday', body: 'The east lift will be out of service on Thursday between 9:00 and 12:00. Please use the west stairs or lift.' },
  { from: `People Team <people@${DEMO_DOMAIN}>`, subject: 'Reminder: submit your holiday plans', body: 'Please add your summer holidays to the team calendar by the end of the month so we can plan cover.' },
  { from: `Finance <finance@${DEMO_DOMAIN}>`, subject: 'Expense reports for November', body: 'Expense reports for November are due on the 5th. Attach receipts for anything over 25 euros.' },
  { from: `Engineering Weekly <eng-weekly@${DEMO_DOMAIN}>`, subject: 'Engineering weekly: release 4.2 is out', body: 'Release 4.2 shipped on Tuesday. Thanks to everyone who tested the migration. Retro notes are on the wiki.' },
  { from: 'Conference Team <events@devconf.example.org>', subject: 'Your talk has been accepted', body: 'We are pleased to tell you that your talk was accepted. Speaker guidelines follow next week.' },
  { from: `IT Service Desk <servicedesk@${DEMO_DOMAIN}>`, subject: 'Planned maintenance: VPN, Saturday night', body: 'The VPN will be unavailable on Saturday from 22:00 to 23:30 for a planned upgrade. No action is needed.' },
];

/** Ordinary mail for one mailbox: a few messages, different per person. */
export function ordinaryMail(mailbox: string, index: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const m = ORDINARY[(index + k) % ORDINARY.length]!;
    out.push(
      `${headers({
        From: m.from,
        To: mailbox,
        Subject: m.subject,
        'Message-ID': id(`${mailbox}:${m.subject}`, DEMO_DOMAIN),
        Date: 'Sun, 22 Nov 2026 07:30:00 +0000',
        'MIME-Version': '1.0',
        'Content-Type': 'text/plain; charset=utf-8',
      })}\r\n\r\nHi,\r\n\r\n${m.body}\r\n\r\nBest regards\r\n`,
    );
  }
  return out;
}

/** One copy of the campaign, as each recipient got it (a Message-ID per recipient, as bulk senders mint them). */
export function campaignMessage(mailbox: string): string {
  const link = 'https://examp1e-support.test/owa/auth/login.php?mailbox=' + encodeURIComponent(mailbox);
  const html = `<html><body><p>Dear user,</p><p>Your mailbox has exceeded its storage limit. You will stop receiving email within 24 hours unless you verify your account.</p><p><a href="${link}">https://outlook.${DEMO_DOMAIN}/storage</a></p><p>Enter your username and password to restore full service immediately.</p><p>IT Helpdesk</p></body></html>`;
  const text = `Dear user,\r\n\r\nYour mailbox has exceeded its storage limit. You will stop receiving email within 24 hours unless you verify your account:\r\n${link}\r\n\r\nEnter your username and password to restore full service immediately.\r\n\r\nIT Helpdesk\r\n`;
  return `${headers({
    From: `"IT Helpdesk" <${CAMPAIGN_SENDER}>`,
    'Reply-To': 'storage-team@examp1e-support.test',
    To: mailbox,
    Subject: CAMPAIGN_SUBJECT,
    'Message-ID': id(`campaign:${mailbox}`, 'examp1e-support.test'),
    Date: 'Sun, 22 Nov 2026 08:02:00 +0000',
    'MIME-Version': '1.0',
    'Content-Type': 'multipart/alternative; boundary="demo-alt"',
  })}\r\n\r\n--demo-alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n--demo-alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n--demo-alt--\r\n`;
}

/** A user's report as a report button sends it: the original attached. */
export function reportOf(original: string, reporter: string): Buffer {
  return Buffer.from(
    `${headers({
      From: reporter,
      To: `phishing-reports@${DEMO_DOMAIN}`,
      Subject: `Reported phishing: ${CAMPAIGN_SUBJECT}`,
      'MIME-Version': '1.0',
      'Content-Type': 'multipart/mixed; boundary="demo-report"',
    })}\r\n\r\n--demo-report\r\nContent-Type: text/plain\r\n\r\nThis looks suspicious.\r\n--demo-report\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="original.eml"\r\n\r\n${original}\r\n--demo-report--\r\n`,
  );
}

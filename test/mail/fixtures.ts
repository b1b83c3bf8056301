/**
 * A small mail world for connector tests and the benchmark: a phishing campaign (written
 * for these tests) among ordinary mail, including a decoy that resembles it.
 */
import { createHash } from 'node:crypto';

export const CAMPAIGN = Object.freeze({
  sender: 'payroll-update@paypa1-hr.example',
  subject: 'Gehaltsabrechnung: Bestätigung erforderlich',
  urlDomain: 'paypa1-hr.example',
  /** One SMTP transaction to many recipients: the same Message-ID lands in every mailbox. */
  messageId: '<20250301.8f3a.campaign@mailer.paypa1-hr.example>',
});

export function campaignMessage(recipient: string, variant = 0): string {
  const messageId = variant === 0 ? CAMPAIGN.messageId : `<20250301.8f3a.v${variant}.${token(recipient)}@mailer.paypa1-hr.example>`;
  return crlf(`Return-Path: <bounce@paypa1-hr.example>
Received: from mailer.paypa1-hr.example (mailer.paypa1-hr.example [203.0.113.45])
	by mx.example.test with ESMTP id 4Q8z; Sat, 1 Mar 2025 08:14:02 +0100
From: "HR Payroll Team" <${CAMPAIGN.sender}>
To: ${recipient}
Subject: =?utf-8?q?Gehaltsabrechnung=3A_Best=C3=A4tigung?=
 =?utf-8?q?_erforderlich?=
Date: Sat, 1 Mar 2025 08:14:01 +0100
Message-ID: ${messageId}
X-Campaign-Ref: pr-2025-03
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello,

your March salary statement is on hold until you confirm your bank details.
Please sign in within 24 hours: https://login.${CAMPAIGN.urlDomain}/confirm?u=${token(recipient)}

HR Payroll
`);
}

const ORDINARY = [
  { from: 'Dana Lee <dana.lee@example.test>', subject: 'Notes from Tuesday', body: 'Attached are the notes. The retro is moved to Thursday.' },
  { from: 'IT Service Desk <servicedesk@example.test>', subject: 'Scheduled maintenance Saturday', body: 'VPN will be unavailable 02:00-04:00.' },
  // The decoy: real payroll, same topic, different sender and link.
  { from: 'Payroll <payroll@example.test>', subject: 'Your salary statement for March', body: 'Your statement is available at https://intranet.example.test/payroll' },
  { from: 'news@vendor.example', subject: 'Quarterly product update', body: 'New features this quarter: audit export and SSO.' },
];

export function ordinaryMessage(recipient: string, index: number): string {
  const template = ORDINARY[index % ORDINARY.length] ?? ORDINARY[0]!;
  return crlf(`From: ${template.from}
To: ${recipient}
Subject: ${template.subject}
Date: Fri, 28 Feb 2025 1${index % 10}:00:00 +0100
Message-ID: <ordinary.${index}.${token(recipient)}@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

${template.body}
`);
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function token(text: string): string {
  return sha256(text).slice(0, 10);
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

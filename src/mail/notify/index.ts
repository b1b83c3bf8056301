/**
 * Notifications to the people who reported a message: plain-text templates by outcome,
 * sent over SMTP or delivered into the embedded mail world, once per action.
 */
export { renderNotification, oneLine, defang, NOTIFICATION_TEMPLATES, type NotificationTemplate, type NotificationFacts, type RenderedNotification } from './templates.ts';
export { type Notifier, type Delivery, type RecipientReason } from './notifier.ts';
export { SmtpNotifier } from './smtp-notifier.ts';
export { MailboxNotifier } from './mailbox-notifier.ts';
export { compileSmtpOptions, smtpOptionsFromUrl, type SmtpOptions, type CompiledSmtpOptions, type StartTls } from './smtp-options.ts';
export { composeNotification, type ComposeInput } from './compose.ts';
export { NotifyConnector } from './notify-connector.ts';

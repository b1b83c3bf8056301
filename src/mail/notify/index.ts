export { renderNotification, oneLine, type NotificationTemplate, type NotificationFacts, type RenderedNotification } from './templates.ts';
export { SmtpNotifier, MailboxNotifier, type Notifier, type Delivery, type SmtpOptions } from './notifier.ts';
export { NotifyConnector } from './notify-connector.ts';

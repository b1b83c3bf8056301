export {
  WEBHOOK_HEADERS,
  generateWebhookSecret,
  webhookKey,
  signWebhook,
  webhookHeaders,
  verifyWebhookSignature,
  MemoryReplayGuard,
  type WebhookReplayGuard,
  type WebhookRejection,
  type VerifyWebhookOptions,
} from './webhook-signature.ts';
export { SignedWebhookConnector, type WebhookOperation, type WebhookResult, type SignedWebhookConnectorOptions } from './signed-webhook-connector.ts';

export { WebhookReceiver, type FailKnob, type RateLimitKnob, type ReceivedWebhook, type ReceiverSinkKind } from "./webhook-receiver.js";

export { WebhookReceiver, type FailKnob, type PaceKnob, type RateLimitKnob, type ReceivedWebhook, type ReceiverSinkKind } from "./webhook-receiver.js";

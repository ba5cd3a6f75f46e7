export { createWebhookNotifier, type WebhookNotifierOptions } from "./notifier.js";
export { genericBatchBody, genericBody, signedHeaders } from "./generic-payload.js";
export { slackDigestMessage } from "./slack-digest.js";
export { teamsDigestMessage } from "./teams-digest.js";
export { slackMessage } from "./slack-payload.js";
export { teamsMessage } from "./teams-payload.js";
export { escapeSlack } from "./escape.js";
export { createHeartbeat } from "./heartbeat.js";

export { createWebhookNotifier, type WebhookNotifierOptions } from "./notifier.js";
export { genericBody, signedHeaders } from "./generic-payload.js";
export { slackMessage } from "./slack-payload.js";
export { teamsMessage } from "./teams-payload.js";
export { escapeSlack } from "./escape.js";

export { createAzureJobQueue, AzureJobQueue, DEFAULT_QUEUE_NAME } from "./azure-job-queue.js";
export type { AzureJobQueueOptions } from "./azure-job-queue.js";
export { rotationJobMessageSchema, encodeRotationJob, decodeRotationJob, parseRotationJob } from "./rotation-job-message.js";

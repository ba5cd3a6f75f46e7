/**
 * JobQueue on an Azure Storage queue (`rotation-jobs` in the AzureWebJobsStorage account), created on
 * first use. The storage-queue SDK accepts plain http anywhere, so the https-unless-loopback rule of the
 * state store is checked here before a client is built.
 */
import { QueueClient } from "@azure/storage-queue";
import type { TokenCredential } from "@azure/identity";
import type { JobQueue, RotationJobMessage } from "../../ports/state-store.js";
import { checkEndpoint, storageEndpoint } from "../state/azure/storage-connection.js";
import { StateStoreError, serviceFailure } from "../state/azure/azure-errors.js";
import { encodeRotationJob } from "./rotation-job-message.js";

export const DEFAULT_QUEUE_NAME = "rotation-jobs";

export type AzureJobQueueOptions = (
  | { connectionString: string }
  | {
      /** `AzureWebJobsStorage__queueServiceUri`, or `https://<account>.queue.core.windows.net`. */
      queueServiceUri: string;
      credential: TokenCredential;
    }
) & { queueName?: string };

const queueNamePattern = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

export class AzureJobQueue implements JobQueue {
  private created: Promise<void> | undefined;

  constructor(readonly client: QueueClient) {}

  async enqueue(message: RotationJobMessage): Promise<void> {
    const text = encodeRotationJob(message);
    await this.ensureQueue();
    try {
      await this.client.sendMessage(text);
    } catch (error) {
      throw new StateStoreError("enqueue", `queue ${this.client.name} job ${message.jobId}`, serviceFailure(error));
    }
  }

  private ensureQueue(): Promise<void> {
    this.created ??= this.client.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        this.created = undefined;
        throw new StateStoreError("createQueue", `queue ${this.client.name}`, serviceFailure(error));
      },
    );
    return this.created;
  }
}

export function createAzureJobQueue(options: AzureJobQueueOptions): AzureJobQueue {
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  if (!queueNamePattern.test(queueName)) {
    throw new Error(`queue name "${queueName}" is invalid: 3-63 lowercase letters, digits and single hyphens`);
  }
  if ("connectionString" in options) {
    storageEndpoint(options.connectionString, "queue");
    return new AzureJobQueue(new QueueClient(options.connectionString, queueName));
  }
  const endpoint = checkEndpoint(options.queueServiceUri, "AzureWebJobsStorage__queueServiceUri");
  return new AzureJobQueue(new QueueClient(`${endpoint.url}/${queueName}`, options.credential));
}

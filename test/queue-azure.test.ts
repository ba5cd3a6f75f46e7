// The rotation-jobs queue on Azurite: what lands in the queue is Base64 of the JSON that was sent,
// which is what the Functions host decodes by default.
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { QueueClient } from "@azure/storage-queue";
import { createAzureJobQueue, decodeRotationJob, DEFAULT_QUEUE_NAME } from "#shared/adapters/queue/index.js";
import type { RotationJobMessage } from "#shared/ports/state-store.js";
import { sharedAzurite } from "./support/azurite.js";
import type { Azurite } from "./support/azurite.js";

const job = (jobId: string): RotationJobMessage => ({ credential: "prod-deploy", jobId, requestedBy: "timer", reason: "schedule" });

describe("Azure job queue", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await sharedAzurite();
  });

  it("creates the queue on first use and enqueues Base64-encoded JSON", async () => {
    const queueName = `jobs-${randomBytes(4).toString("hex")}`;
    const queue = createAzureJobQueue({ connectionString: azurite.connectionString, queueName });
    await queue.enqueue(job("job-1"));
    await queue.enqueue({ ...job("job-2"), requestedBy: "http:ops@acme.example ✓", reason: "manual" });

    const raw = new QueueClient(azurite.connectionString, queueName);
    const { peekedMessageItems } = await raw.peekMessages({ numberOfMessages: 32 });
    expect(peekedMessageItems).toHaveLength(2);
    for (const item of peekedMessageItems) expect(item.messageText).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const decoded = peekedMessageItems.map((item) => JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown);
    expect(decoded).toEqual([job("job-1"), { ...job("job-2"), requestedBy: "http:ops@acme.example ✓", reason: "manual" }]);
    expect(decodeRotationJob(peekedMessageItems[0]?.messageText ?? "", "peeked")).toEqual(job("job-1"));
  });

  it("uses the rotation-jobs queue by default, and a second instance finds it already there", async () => {
    expect(DEFAULT_QUEUE_NAME).toBe("rotation-jobs");
    await createAzureJobQueue({ connectionString: azurite.connectionString }).enqueue(job("default-1"));
    await createAzureJobQueue({ connectionString: azurite.connectionString }).enqueue(job("default-2"));
    const { peekedMessageItems } = await new QueueClient(azurite.connectionString, "rotation-jobs").peekMessages({ numberOfMessages: 32 });
    expect(peekedMessageItems.map((item) => decodeRotationJob(item.messageText, item.messageId).jobId)).toEqual(
      expect.arrayContaining(["default-1", "default-2"]),
    );
  });

  it("refuses a malformed message before sending it, naming the field", async () => {
    const queueName = `jobs-${randomBytes(4).toString("hex")}`;
    const queue = createAzureJobQueue({ connectionString: azurite.connectionString, queueName });
    await expect(queue.enqueue({ ...job("bad"), credential: "Not A Name" })).rejects.toThrow(/credential: expected a policy credential name/);
    await expect(queue.enqueue({ ...job("bad"), reason: "whenever" as "manual" })).rejects.toThrow(/reason:/);
    await expect(new QueueClient(azurite.connectionString, queueName).exists()).resolves.toBe(false);
  });

  it("says what is wrong with a message read back that is not Base64 JSON", () => {
    expect(() => decodeRotationJob("not base64 json!", "msg-7")).toThrow(/rotation job msg-7: not Base64-encoded JSON/);
    const wrongShape = Buffer.from(JSON.stringify({ credential: "x" })).toString("base64");
    expect(() => decodeRotationJob(wrongShape, "msg-8")).toThrow(/rotation job msg-8: .*jobId/);
  });

  it("refuses an invalid queue name", () => {
    expect(() => createAzureJobQueue({ connectionString: azurite.connectionString, queueName: "Bad_Name" })).toThrow(/queue name "Bad_Name"/);
  });
});

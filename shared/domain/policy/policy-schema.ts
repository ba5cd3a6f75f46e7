import { z } from "zod";
import { checkBrokerCredentials } from "./broker-credentials.js";
import { brokerSchema } from "./broker-schema.js";
import { credentialSchema } from "./credential-schema.js";
import { positiveInt, projectSlug } from "./fields.js";
import { entries, evenWithOtherIssues, field } from "./loose.js";
import { selfWatchSchema } from "./self-watch-schema.js";
import { waiverSchema } from "./waiver-schema.js";
import { webhookSchema } from "./webhook-schema.js";

export const policyDefaults = {
  maxAgeDays: 90,
  projects: [] as string[],
  followedProjects: false,
  allProjects: false,
  exposure: "warn",
  thresholdsDays: [30, 14, 7, 3, 1],
} as const;

const inventorySchema = z.strictObject({
  maxAgeDays: positiveInt.default(policyDefaults.maxAgeDays),
  projects: z.array(projectSlug).default(() => [...policyDefaults.projects]),
  followedProjects: z.boolean().default(policyDefaults.followedProjects),
  /** Every project of CIRCLECI_ORG_ID through CircleCI's undocumented organization project list. */
  allProjects: z.boolean().default(policyDefaults.allProjects),
  /** warn: a context holding secrets that every project may use is a finding; ignore: restrictions are not read. */
  exposure: z.enum(["warn", "ignore"]).default(policyDefaults.exposure),
});

/** Unique, and stored largest first: "expiring" starts at the first (largest) and turns critical at the last (smallest). */
const thresholdsSchema = z
  .array(positiveInt)
  .min(1)
  .superRefine(
    (value: unknown, ctx) => {
      const thresholds = entries(value);
      thresholds.forEach((threshold, index) => {
        const first = thresholds.indexOf(threshold);
        if (typeof threshold === "number" && first < index) {
          ctx.addIssue({ code: "custom", path: [index], message: `duplicate threshold (same as thresholdsDays[${first}])` });
        }
      });
    },
    evenWithOtherIssues,
  )
  .transform((thresholds) => [...thresholds].sort((a, b) => b - a));

const webhooksSchema = z.array(webhookSchema).superRefine(
  (webhooks: unknown, ctx) => {
    const seen = new Map<string, number>();
    entries(webhooks).forEach((webhook, index) => {
      const name = field(webhook, "name");
      if (typeof name !== "string") return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate webhook name (same as alerts.webhooks[${first}])` });
    });
  },
  evenWithOtherIssues,
);

const alertsSchema = z.strictObject({
  thresholdsDays: thresholdsSchema.default(() => [...policyDefaults.thresholdsDays]),
  webhooks: webhooksSchema.default(() => []),
});

/** The CircleCI variable a credential binds, as one comparable key (undefined while its binding is malformed). */
function bindingKey(credential: unknown): string | undefined {
  const circleci = field(credential, "circleci");
  const variable = field(circleci, "variable");
  const context = field(circleci, "context");
  const project = field(circleci, "project");
  if (typeof variable !== "string") return undefined;
  if (typeof context === "string" && project === undefined) return `context\u0000${context}\u0000${variable}`;
  if (typeof project === "string" && context === undefined) return `project\u0000${project}\u0000${variable}`;
  return undefined;
}

/**
 * The Key Vault secret a credential keeps its values in (the explicit name, else `cci-<name>`), lower-cased: Key
 * Vault compares object names case-insensitively ("Objects are uniquely identified within Key Vault using a
 * case-insensitive identifier", learn.microsoft.com/azure/key-vault/about-keys-secrets-and-certificates).
 */
function secretNameKey(credential: unknown): { key: string; explicit: boolean } | undefined {
  const name = field(credential, "name");
  const fallback = typeof name === "string" ? `cci-${name}`.toLowerCase() : undefined;
  const given = field(field(credential, "keyVault"), "secretName");
  // After the credential's transform the default is filled in: a name equal to it counts as the default.
  if (typeof given === "string") return { key: given.toLowerCase(), explicit: given.toLowerCase() !== fallback };
  return fallback === undefined ? undefined : { key: fallback, explicit: false };
}

function checkUnique(credentials: unknown, ctx: z.RefinementCtx): void {
  const names = new Map<string, number>();
  const bindings = new Map<string, number>();
  const secrets = new Map<string, { index: number; explicit: boolean }>();
  entries(credentials).forEach((credential, index) => {
    const name = field(credential, "name");
    if (typeof name === "string") {
      const first = names.get(name);
      if (first === undefined) names.set(name, index);
      else ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate credential name (same as credentials[${first}])` });
    }
    const binding = bindingKey(credential);
    if (binding !== undefined) {
      const first = bindings.get(binding);
      if (first === undefined) bindings.set(binding, index);
      else ctx.addIssue({ code: "custom", path: [index, "circleci"], message: `binds the same CircleCI variable as credentials[${first}]` });
    }
    const secret = secretNameKey(credential);
    if (secret !== undefined) {
      const first = secrets.get(secret.key);
      if (first === undefined) secrets.set(secret.key, { index, explicit: secret.explicit });
      // Two default names clash only when the credential names do, which is reported above.
      else if (secret.explicit || first.explicit) {
        ctx.addIssue({
          code: "custom",
          path: [index, "keyVault", "secretName"],
          message: `Key Vault secret "${secret.key}"${secret.explicit ? "" : " (the default cci-<name>)"} is also credentials[${first.index}].keyVault.secretName${first.explicit ? "" : " (its default)"} (names compare case-insensitively); two credentials cannot share one secret: rotating one would retire the other's live password. Give each its own keyVault.secretName`,
        });
      }
    }
  });
}

/** The policy file (contract §2), after `${NAME}` expansion. Unknown keys are errors at every level. */
export const policySchema = z.strictObject({
  version: z.literal(1, {
    error: (issue) => (issue.input === undefined ? "required (version: 1)" : "expected 1, the only version of the policy format"),
  }),
  inventory: inventorySchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  selfWatch: selfWatchSchema.prefault({}),
  credentials: z
    .array(credentialSchema)
    .superRefine((credentials: unknown, ctx) => checkUnique(credentials, ctx), evenWithOtherIssues)
    .default(() => []),
  waivers: z.array(waiverSchema).default(() => []),
  /** The OIDC broker's roles (absent: the broker's endpoints refuse every exchange). */
  broker: brokerSchema.optional(),
}).superRefine((policy: unknown, ctx) => checkBrokerCredentials(policy, ctx), evenWithOtherIssues);

export type Policy = z.output<typeof policySchema>;

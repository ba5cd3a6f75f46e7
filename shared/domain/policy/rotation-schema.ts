import { z } from "zod";
import { integer } from "./fields.js";

/** Defaults of `rotation`: 90-day secrets, rotated 30 days before they expire, old one removed 24 h after the new one reached CircleCI. */
export const rotationDefaults = { validityDays: 90, rotateBeforeDays: 30, overlapHours: 24 } as const;

/** Entra allows client secrets of up to two years. */
const maxValidityDays = 730;
const maxOverlapHours = 720;

export const rotationSchema = z
  .strictObject({
    validityDays: integer.min(1).max(maxValidityDays).default(rotationDefaults.validityDays),
    rotateBeforeDays: integer.min(1).default(rotationDefaults.rotateBeforeDays),
    overlapHours: integer.min(0).max(maxOverlapHours).default(rotationDefaults.overlapHours),
  })
  .superRefine(
    (rotation, ctx) => {
      if (rotation.rotateBeforeDays < rotation.validityDays) return;
      ctx.addIssue({
        code: "custom",
        path: ["rotateBeforeDays"],
        message: `must be less than validityDays, or every new secret would be due at once (defaults: rotateBeforeDays ${rotationDefaults.rotateBeforeDays}, validityDays ${rotationDefaults.validityDays})`,
      });
    },
    // Comparing is only meaningful once both numbers are valid themselves.
    { when: (payload) => payload.issues.length === 0 },
  );

export type RotationPolicy = z.output<typeof rotationSchema>;

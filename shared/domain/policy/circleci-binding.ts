import { z } from "zod";
import { ciVariableName, contextName, projectSlug } from "./fields.js";
import { evenWithOtherIssues, field, isRecord } from "./loose.js";

export type CircleciBinding = { context: string; variable: string } | { project: string; variable: string };

/** Where the secret lives in CircleCI: a context variable or a project variable — exactly one of the two. */
export const circleciBindingSchema = z
  .strictObject({
    context: contextName.optional(),
    project: projectSlug.optional(),
    variable: ciVariableName,
  })
  .superRefine(
    (binding: unknown, ctx) => {
      if (!isRecord(binding)) return;
      const context = field(binding, "context");
      const project = field(binding, "project");
      if (context !== undefined && project !== undefined) {
        ctx.addIssue({ code: "custom", message: "give either context or project, not both" });
      } else if (context === undefined && project === undefined) {
        ctx.addIssue({ code: "custom", message: "required: context (a context variable) or project (a project variable)" });
      }
    },
    evenWithOtherIssues,
  )
  .transform((binding, ctx): CircleciBinding => {
    if (binding.context !== undefined) return { context: binding.context, variable: binding.variable };
    if (binding.project !== undefined) return { project: binding.project, variable: binding.variable };
    // Unreachable: the refinement above has already refused it.
    ctx.addIssue({ code: "custom", message: "required: context or project" });
    return z.NEVER;
  });

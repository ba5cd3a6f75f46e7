/**
 * Writes the published JSON Schemas of the `--json` outputs into schemas/, generated from their zod schemas so
 * the two cannot drift (test/plan-schema.test.ts checks the files against a fresh generation).
 *   npx tsx scripts/write-schemas.ts            write every file
 *   npx tsx scripts/write-schemas.ts --check    exit 1 if any file is stale (for CI)
 * To publish another document, add one line to `publishedSchemas`.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { planSchema } from "#shared/domain/plan/index.js";
import { cycleReportSchema } from "#shared/app/cycle-report-schema.js";

export const publishedSchemas: ReadonlyArray<{ file: string; schema: z.ZodType }> = [
  { file: "schemas/plan.schema.json", schema: planSchema },
  { file: "schemas/cycle-report.schema.json", schema: cycleReportSchema },
];

/** The file text of one schema: JSON Schema 2020-12, two-space indented, with a final newline. */
export function renderSchema(schema: z.ZodType): string {
  return `${JSON.stringify(z.toJSONSchema(schema, { target: "draft-2020-12", io: "output" }), null, 2)}\n`;
}

const repoRoot = resolve(fileURLToPath(import.meta.url), "../..");

async function main(check: boolean): Promise<number> {
  let stale = 0;
  for (const { file, schema } of publishedSchemas) {
    const path = resolve(repoRoot, file);
    const text = renderSchema(schema);
    const current = await readFile(path, "utf8").catch(() => undefined);
    if (current === text) continue;
    if (check) {
      console.error(`${file} is out of date: run npx tsx scripts/write-schemas.ts`);
      stale++;
    } else {
      await writeFile(path, text);
      console.log(`wrote ${file}`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.includes("--check")).then((code) => {
    process.exitCode = code;
  });
}

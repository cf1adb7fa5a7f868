// `--config FILE`: a JSON file holding what the command line would, checked with
// zod so every message names the field. The command line wins over the file:
// its `--set` are applied after the file's, a positional suite replaces the file's.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "./errors.js";
import type { SetItem } from "./options.js";

const value = z.union([z.string(), z.number(), z.boolean()], {
  error: "must be a string, number or boolean",
});

const schema = z.strictObject({
  suite: z.string({ error: "must be a string (a suite name)" }).optional(),
  set: z
    .record(
      z.string(),
      z.union([value, z.array(value)], {
        error: 'must be a value, a list of values or a range string like "1..64*2"',
      }),
      { error: 'must be an object like {"workers": [1, 2], "op": "walk"}' },
    )
    .optional(),
  baseline: z.string({ error: "must be a string (a variant value)" }).optional(),
  formats: z.array(z.string(), { error: 'must be a list like ["json", "md"]' }).optional(),
});

export interface Config {
  suite?: string;
  sets: SetItem[];
  baseline?: string;
  formats?: string[];
}

export function loadConfig(file: string): Config {
  const where = `config ${file}`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`${where}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: not valid JSON: ${oneLine((e as Error).message)}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(", ");
      const at = issue.path.length ? `${issue.path.join(".")}: ` : "";
      throw new UsageError(`${where}: ${at}unknown field ${keys}; the fields are suite, set, baseline, formats`);
    }
    const field = issue.path.length ? issue.path.join(".") : "the file";
    throw new UsageError(`${where}: ${field} ${issue.path.length ? issue.message : "must be a JSON object"}`);
  }
  const c = r.data;
  return {
    suite: c.suite,
    sets: Object.entries(c.set ?? {}).map(([key, v]) => ({ key, value: v, where: `${where}: set.${key}` })),
    baseline: c.baseline,
    formats: c.formats,
  };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

// JSON: the canonical result, everything else can be regenerated from it.
import type { RunResult } from "../result.js";

export function jsonReport(r: RunResult): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

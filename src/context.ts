// The context block of a result file: enough to tell whether two runs are comparable.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import type { Context } from "./result.js";

const PACKAGES = ["assemblyscript", "tinybench", "piscina", "typescript", "tsx", "zod"];

function pkgVersion(name: string): string {
  try {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "missing";
  }
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

export function captureContext(command: string, build: string): Context {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpu: { model: cpus[0]?.model.trim() ?? "unknown", cores: os.availableParallelism() },
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    packages: Object.fromEntries(PACKAGES.map((p) => [p, pkgVersion(p)])),
    git: { commit: git(["rev-parse", "HEAD"]) ?? "unknown", dirty: (git(["status", "--porcelain"]) ?? "") !== "" },
    build,
    command,
  };
}

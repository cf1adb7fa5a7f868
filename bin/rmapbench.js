#!/usr/bin/env node
// Runs src/cli.ts under tsx; worker threads inherit the loader through execArgv.
// SIGINT/SIGTERM/SIGHUP are passed on, so `rmapbench run` can stop after the current cell and write its results
// (the CLI takes a repeat of a signal within a second as the same one), and the exit code is the CLI's.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
// tsx resolved from here, not from the working directory (which may be anywhere); Node < 20.6 lacks the call.
const tsx = typeof import.meta.resolve === "function" ? import.meta.resolve("tsx") : "tsx";
const child = spawn(process.execPath, ["--import", tsx, cli, ...process.argv.slice(2)], { stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));

// The C twin of the Wasm core's hot paths: builds bench/native/kernels with
// gcc, writes memory images for it and drives it over a line protocol (one
// command per stdin line, one JSON reply per stdout line; kernels.c lists
// the commands). The twin works on its own copy of the machine, so
// everything it does to the image stays invisible to the Wasm side.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SOURCES = ["bench/native/kernels.c", "bench/native/core.c", "bench/native/core.h"] as const;
const BINARY = "build/native/kernels";
const GCC_FLAGS = ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror"] as const;

const mtime = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * Compiles build/native/kernels with `gcc -O2` when it is missing or older
 * than a source. Without gcc the native rows are skipped; compile errors throw.
 */
export function buildNative(): { path: string } | { skipped: string } {
  const probe = spawnSync("gcc", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return { skipped: "gcc not found: native rows skipped" };
  const path = `${root}${BINARY}`;
  const built = mtime(path);
  const stale = built === undefined || SOURCES.some((s) => (mtime(`${root}${s}`) ?? Number.POSITIVE_INFINITY) > built);
  if (stale) {
    mkdirSync(`${root}build/native`, { recursive: true });
    const args = [...GCC_FLAGS, "-o", BINARY, "bench/native/kernels.c", "bench/native/core.c"];
    const r = spawnSync("gcc", args, { cwd: root, encoding: "utf8" });
    if (r.error) throw new Error(`gcc failed to run: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`gcc ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr}`);
  }
  return { path };
}

/** Writes memory bytes [0, bytes) to `path`: the image the twin loads. */
export function writeImage(buffer: ArrayBufferLike, bytes: number, path: string): void {
  writeFileSync(path, new Uint8Array(buffer, 0, bytes));
}

export interface NativeResult {
  /** Nanoseconds per rep for the whole batch. */
  ns: number[];
  checksum: bigint;
  /** zap only: pt_digest of the mm after the first rep's zap. */
  digest?: bigint;
}

interface Pending {
  command: string;
  resolve: (reply: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

const u64 = (reply: Record<string, unknown>, key: string, command: string): bigint => {
  const v = reply[key];
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new Error(`native ${command}: bad "${key}" in reply`);
  return BigInt(v);
};

const timed = (reply: Record<string, unknown>, command: string): NativeResult => {
  const ns = reply.ns;
  if (!Array.isArray(ns) || !ns.every((x) => typeof x === "number")) {
    throw new Error(`native ${command}: bad "ns" in reply`);
  }
  const out: NativeResult = { ns: ns as number[], checksum: u64(reply, "checksum", command) };
  if ("digest" in reply) out.digest = u64(reply, "digest", command);
  return out;
};

/** A running kernels process over one image. Requests are answered in order. */
export class NativeTwin {
  private readonly pending: Pending[] = [];
  private stderr = "";
  private dead: Error | undefined;
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    child.stdin.on("error", () => {
      // EPIPE after the child died; the exit handler reports it.
    });
    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => this.onLine(line));
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        this.dead = new Error(`native twin exited (${how})${this.stderr ? `: ${this.stderr.trim()}` : ""}`);
        for (const p of this.pending.splice(0)) p.reject(this.dead);
        resolve(code);
      });
    });
  }

  /** Starts `binary` on `imagePath`; resolves once the process is running. */
  static async start(binary: string, imagePath: string): Promise<NativeTwin> {
    const child = spawn(binary, [imagePath], { stdio: ["pipe", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    return new NativeTwin(child);
  }

  private onLine(line: string): void {
    const p = this.pending.shift();
    if (!p) {
      this.stderr += `unexpected output: ${line}\n`;
      return;
    }
    let reply: unknown;
    try {
      reply = JSON.parse(line);
    } catch {
      p.reject(new Error(`native ${p.command}: unparsable reply ${JSON.stringify(line)}`));
      return;
    }
    if (typeof reply !== "object" || reply === null) {
      p.reject(new Error(`native ${p.command}: unexpected reply ${line}`));
    } else if ("error" in reply) {
      p.reject(new Error(`native ${p.command}: ${String((reply as { error: unknown }).error)}`));
    } else {
      p.resolve(reply as Record<string, unknown>);
    }
  }

  private request(words: (string | number)[]): Promise<Record<string, unknown>> {
    const command = words.join(" ");
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending.push({ command, resolve, reject });
      this.child.stdin.write(`${command}\n`);
    });
  }

  async walk(m: number, cpu: number, mm: number, vas: number, n: number, reps: number): Promise<NativeResult> {
    return timed(await this.request(["walk", m, cpu, mm, vas, n, reps]), "walk");
  }

  async lookup(m: number, cpu: number, pfns: number, n: number, reps: number): Promise<NativeResult> {
    return timed(await this.request(["lookup", m, cpu, pfns, n, reps]), "lookup");
  }

  /** Times pt_zap_batch; between reps the twin digests the mm and re-maps the zapped leaves (untimed). */
  async zap(
    m: number,
    cpu: number,
    mm: number,
    ranges: number,
    nr: number,
    mapVas: number,
    mapPtes: number,
    nmap: number,
    reps: number,
  ): Promise<NativeResult & { digest: bigint }> {
    const r = timed(await this.request(["zap", m, cpu, mm, ranges, nr, mapVas, mapPtes, nmap, reps]), "zap");
    if (r.digest === undefined) throw new Error('native zap: no "digest" in reply');
    return { ...r, digest: r.digest };
  }

  async noop(m: number, cpu: number, mm: number, ops: number, n: number, reps: number): Promise<NativeResult> {
    return timed(await this.request(["noop", m, cpu, mm, ops, n, reps]), "noop");
  }

  /** pt_digest of the twin's current state (untimed). */
  async digest(m: number, mm: number): Promise<{ digest: bigint }> {
    return { digest: u64(await this.request(["digest", m, mm]), "digest", "digest") };
  }

  /** Sends quit and waits for the process to exit. */
  async close(): Promise<void> {
    if (!this.dead) this.child.stdin.end("quit\n");
    await this.exited;
  }
}

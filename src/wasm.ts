// The only place that loads the Wasm core. One compiled Module is shared by
// every thread; each instance imports the one shared Memory.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Core } from "./core.js";
import { WASM_PAGE } from "./layout.js";

export type Build = "release" | "debug";

export function wasmPath(build: Build): string {
  return fileURLToPath(new URL(`../build/${build}.wasm`, import.meta.url));
}

const modules = new Map<Build, WebAssembly.Module>();

/** Compiles the build once per thread; workers get the Module from the main thread instead. */
export function loadModule(build: Build = "release"): WebAssembly.Module {
  let mod = modules.get(build);
  if (!mod) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(wasmPath(build)));
    } catch {
      throw new Error(`${wasmPath(build)} is missing: run \`npm run asbuild\` first`);
    }
    mod = new WebAssembly.Module(bytes);
    modules.set(build, mod);
  }
  return mod;
}

/** A shared memory of `bytes` (rounded up to Wasm pages), which cannot grow. */
export function createMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.ceil(bytes / WASM_PAGE);
  if (pages > 65536) throw new RangeError(`the machine needs ${bytes} bytes; a Wasm memory holds at most 4 GiB`);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

type Raw = Record<string, (...args: (number | bigint)[]) => number | bigint>;

/** Instantiates the core over `memory`; debug builds report assertion failures with file and line. */
export function instantiate(mod: WebAssembly.Module, memory: WebAssembly.Memory): Core & { raw: Raw } {
  const abort = (msg: number, file: number, line: number, col: number) => {
    const str = (p: number) => {
      if (!p) return "?";
      const len = new Uint32Array(memory.buffer, p - 4, 1)[0] >>> 1;
      return String.fromCharCode(...new Uint16Array(memory.buffer, p, len));
    };
    throw new Error(`wasm assertion failed: ${str(msg)} at ${str(file)}:${line}:${col}`);
  };
  const inst = new WebAssembly.Instance(mod, { env: { memory, abort } });
  const x = inst.exports as unknown as Raw;
  const u64 = (v: number | bigint) => BigInt.asUintN(64, v as bigint);
  const i32 = (v: number | bigint) => v as number;
  return {
    impl: "wasm",
    buffer: memory.buffer,
    raw: x,
    machine_init: (m) => void x.machine_init(m),
    mm_init: (m, mm) => x.mm_init(m, mm) !== 0,
    pt_map: (m, mm, va, pte) => i32(x.pt_map(m, mm, va, pte)),
    pt_map_batch: (m, mm, vas, ptes, n) => i32(x.pt_map_batch(m, mm, vas, ptes, n)),
    pt_walk_batch: (m, cpu, mm, vas, n, out) => u64(x.pt_walk_batch(m, cpu, mm, vas, n, out)),
    pt_zap_batch: (m, cpu, mm, r, n) => u64(x.pt_zap_batch(m, cpu, mm, r, n)),
    pt_protect_batch: (m, cpu, mm, r, n) => u64(x.pt_protect_batch(m, cpu, mm, r, n)),
    pt_mkold_batch: (m, cpu, mm, r, n) => u64(x.pt_mkold_batch(m, cpu, mm, r, n)),
    pt_digest: (m, mm) => u64(x.pt_digest(m, mm)),
    rmap_add_batch: (m, pfns, ents, n) => i32(x.rmap_add_batch(m, pfns, ents, n)) >>> 0,
    rmap_remove_batch: (m, pfns, ents, n) => i32(x.rmap_remove_batch(m, pfns, ents, n)) >>> 0,
    rmap_lookup_batch: (m, cpu, pfns, n, out) => u64(x.rmap_lookup_batch(m, cpu, pfns, n, out)),
    vidx_insert_batch: (m, keys, h, n) => i32(x.vidx_insert_batch(m, keys, h, n)),
    vidx_remove_batch: (m, keys, n) => i32(x.vidx_remove_batch(m, keys, n)) >>> 0,
    vidx_lookup_batch: (m, cpu, keys, n, out) => u64(x.vidx_lookup_batch(m, cpu, keys, n, out)),
    noop_batch: (m, cpu, mm, ops, n) => u64(x.noop_batch(m, cpu, mm, ops, n)),
  };
}

/** The values of the module's exported layout globals, for the layout test. */
export function exportedConstants(mod: WebAssembly.Module): Record<string, number | bigint> {
  const memory = createMemory(WASM_PAGE);
  const inst = new WebAssembly.Instance(mod, { env: { memory, abort: () => {} } });
  const out: Record<string, number | bigint> = {};
  for (const [k, v] of Object.entries(inst.exports)) {
    if (v instanceof WebAssembly.Global) out[k] = v.value as number | bigint;
  }
  return out;
}

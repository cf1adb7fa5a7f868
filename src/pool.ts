// Simulated CPUs on worker threads: a piscina pool whose every worker shares
// the one Module and the one Memory. piscina has no run-on-every-worker call,
// so a timed step submits one task per worker and each blocks in a barrier
// until all have arrived; minThreads = maxThreads keeps that from deadlocking
// (toolchain.md §4).
import { Piscina } from "piscina";
import type { Task, TaskResult, WorkerData } from "./worker.js";

export interface TimedStep {
  /** From the first worker's start to the last one's end. */
  wallNs: number;
  results: TaskResult[];
}

export class WorkerPool {
  private constructor(
    private readonly piscina: Piscina,
    readonly workers: number,
    private readonly barrier: number,
    private readonly memory: WebAssembly.Memory,
  ) {}

  /** Starts `workers` threads; `barrier` is the address of two spare u32 words in the memory. */
  static async open(workers: number, data: WorkerData, barrier: number): Promise<WorkerPool> {
    const piscina = new Piscina({
      filename: new URL("./worker.ts", import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: data,
      atomics: "sync",
    });
    const pool = new WorkerPool(piscina, workers, barrier, data.memory);
    // Every worker instantiates before the first timed step.
    await pool.step(() => ({ impl: "wasm", calls: [], combine: "add" }));
    return pool;
  }

  /** Runs one task per worker, started together at the barrier. */
  async step(task: (worker: number) => Omit<Task, "barrier" | "parties">): Promise<TimedStep> {
    // No worker is inside the barrier between steps: start its arrival count from zero, whatever
    // the memory held there (a restored snapshot, an earlier batch's arrays).
    Atomics.store(new Int32Array(this.memory.buffer, this.barrier, 1), 0, 0);
    const results: TaskResult[] = await Promise.all(
      Array.from({ length: this.workers }, (_, i) =>
        this.piscina.run({ ...task(i), barrier: this.barrier, parties: this.workers } satisfies Task),
      ),
    );
    const ids = new Set(results.map((r) => r.threadId));
    if (ids.size !== this.workers) throw new Error(`expected ${this.workers} distinct worker threads, got ${ids.size}`);
    let start = results[0].start;
    let end = results[0].end;
    for (const r of results) {
      if (r.start < start) start = r.start;
      if (r.end > end) end = r.end;
    }
    return { wallNs: Number(end - start), results };
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}

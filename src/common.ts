// Parameters every suite has: the seed and how the harness samples.
import { int, type ParamSchema } from "./options.js";

export const harnessParams: ParamSchema = {
  seed: int("workload seed: the same seed gives the same counters and checksums", 1, 0, 2 ** 32 - 1),
  rounds: int("interleaved rounds per cell; each runs every variant once, in random order", 5, 1, 1000),
  iterations: int("timed batches per variant per round", 4, 1, 10000),
  warmup: int("untimed batches per variant before the first round (V8 tier-up)", 2, 0, 1000),
};

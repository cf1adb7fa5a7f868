// Every suite, one per file in bench/.
import { age } from "../bench/age.js";
import { cow } from "../bench/cow.js";
import { exit } from "../bench/exit.js";
import { fork } from "../bench/fork.js";
import { kernels } from "../bench/kernels.js";
import { migrate } from "../bench/migrate.js";
import { mkclean } from "../bench/mkclean.js";
import { mprotect } from "../bench/mprotect.js";
import { mremap } from "../bench/mremap.js";
import { munmap } from "../bench/munmap.js";
import { paper } from "../bench/paper.js";
import { reclaim } from "../bench/reclaim.js";
import { scaling } from "../bench/scaling.js";
import { secfault } from "../bench/secfault.js";
import { stress } from "../bench/stress.js";
import { truncate } from "../bench/truncate.js";
import { UsageError } from "./errors.js";
import type { Suite } from "./suite.js";

export const suites: Suite[] = [
  kernels,
  reclaim,
  migrate,
  mkclean,
  age,
  munmap,
  mprotect,
  mremap,
  truncate,
  fork,
  exit,
  cow,
  secfault,
  scaling,
  stress,
  paper,
];
export const DEFAULT_SUITE = "kernels";

export function findSuite(name: string): Suite {
  const s = suites.find((x) => x.name === name);
  if (!s) {
    throw new UsageError(
      `unknown suite "${name}"; suites: ${suites.map((x) => x.name).join(", ")} (see \`rmapbench list\`)`,
    );
  }
  return s;
}

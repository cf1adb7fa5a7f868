// Every suite, one per file in bench/.
import { kernels } from "../bench/kernels.js";
import type { Suite } from "./suite.js";

export const suites: Suite[] = [kernels];
export const DEFAULT_SUITE = "kernels";

// Stopping a run cleanly: the first SIGINT/SIGTERM asks it to stop after the current cell.
import os from "node:os";

export interface Stop {
  /** The first SIGINT/SIGTERM received, if any. */
  readonly signal?: NodeJS.Signals;
  dispose(): void;
}

/**
 * The first signal asks the run to stop after the current cell. A second one quits at once, unless it comes within
 * a second of the first (the same Ctrl-C relayed by bin/rmapbench.js): the finished cells are on disk already.
 */
export function stopOnSignals(onFirst: (sig: NodeJS.Signals) => void): Stop {
  let first: NodeJS.Signals | undefined;
  let at = 0;
  const handler = (sig: NodeJS.Signals) => {
    if (first === undefined) {
      first = sig;
      at = Date.now();
      onFirst(sig);
    } else if (Date.now() - at > 1000) {
      process.exit(signalExitCode(sig));
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    get signal() {
      return first;
    },
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

/** The exit code of a process ended by `sig` (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + os.constants.signals[sig];
}

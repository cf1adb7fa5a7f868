// Progress over a run's cells, on stderr only (stdout carries the final table):
// a bar with an ETA on a terminal, one plain line per cell otherwise.
import cliProgress from "cli-progress";

export interface Progress {
  /** A cell (a group of variants) starts: `label` names it. */
  cell(label: string): void;
  /** The cell ended. */
  done(): void;
  /** A message that must not tear the bar. */
  log(msg: string): void;
  stop(): void;
}

/** `done` cells of `total` are already finished (a resumed run). */
export function openProgress(total: number, done: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let at = done;
  if (!stream.isTTY) {
    return {
      cell: (label) => stream.write(`[${at + 1}/${total}] ${label}\n`),
      done: () => {
        at++;
      },
      log: (msg) => stream.write(`${msg}\n`),
      stop: () => {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: "{bar} {value}/{total} cells | {duration_formatted} elapsed, ETA {eta_formatted} | {label}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      linewrap: false,
      etaBuffer: 8,
      etaAsynchronousUpdate: true,
      fps: 4,
      // The run handles SIGINT/SIGTERM itself (stop after the current cell).
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, done, { label: "" });
  return {
    cell: (label) => bar.update({ label }),
    done: () => bar.increment(),
    log: (msg) => bars.log(`${msg}\n`),
    stop: () => bars.stop(),
  };
}

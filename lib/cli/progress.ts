/**
 * A progress bar on stderr, shown only when stderr is a terminal, so piped output stays clean
 * and stdout carries nothing but results.
 * @internal
 * @module
 */

/** Progress display for one task. */
export interface Progress {
  /** Updates the fraction done, in [0, 1]. */
  update(fraction: number): void;
  /** Clears the bar. */
  done(): void;
}

/** A bar labelled `label` when stderr is a TTY and JSON output is off; otherwise a no-op. */
export function progressBar(label: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return { update() {}, done() {} };
  const start = Date.now();
  let last = -1;
  const draw = (f: number) => {
    const width = 30;
    const filled = Math.round(f * width);
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${secs}s`);
  };
  return {
    update(f) {
      const pct = Math.floor(f * 100);
      if (pct !== last) {
        last = pct;
        draw(Math.min(1, Math.max(0, f)));
      }
    },
    done() {
      process.stderr.write('\r\x1b[2K');
    },
  };
}

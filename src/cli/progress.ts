import { SingleBar, Presets } from 'cli-progress';
import type { Progress } from '../jobs/run.js';

/**
 * Shows a job's progress as a bar on stderr (done/total, rate, ETA) while forwarding every update to
 * the job itself, so the same work is visible in the terminal and in the API/UI. Without a terminal
 * (CI, a pipe) it stays quiet and the job row still records progress.
 */
export function withProgressBar(label: string, inner: Progress): { progress: Progress; stop(): void } {
  const enabled = process.stderr.isTTY === true;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let started = false;
  let done = 0;
  let total = 0;
  const startedAt = Date.now();
  const render = () => {
    if (!enabled) return;
    const rate = Math.round(done / Math.max((Date.now() - startedAt) / 1000, 0.001));
    if (!started) {
      bar.start(total || Math.max(done, 1), done, { rate });
      started = true;
    } else {
      bar.setTotal(total || Math.max(done, 1));
      bar.update(done, { rate });
    }
  };
  const progress: Progress = {
    setTotal(t) {
      total = t ?? 0;
      inner.setTotal(t);
      render();
    },
    advance(by = 1) {
      done += by;
      inner.advance(by);
      render();
    },
    set(d) {
      done = d;
      inner.set(d);
      render();
    },
    message(text) {
      inner.message(text);
    },
    get signal() {
      return inner.signal;
    },
  };
  return {
    progress,
    stop: () => {
      if (started) bar.stop();
    },
  };
}

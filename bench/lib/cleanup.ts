/**
 * Things to undo (stop a server, remove a temp dir, drop a schema), run newest first: at the end of a
 * bench, when it throws, and on SIGINT/SIGTERM. Each step's failure is reported, not fatal.
 */
export class Cleanup {
  private readonly steps: { label: string; run: () => unknown }[] = [];
  private running: Promise<void> | undefined;

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: cleaning up\n`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }

  add(label: string, run: () => unknown): void {
    this.steps.push({ label, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (err) {
          process.stderr.write(`cleanup "${step.label}" failed: ${(err as Error).message}\n`);
        }
      }
    })();
    return this.running;
  }
}

import { setImmediate as nextMacrotask } from 'node:timers/promises';

/**
 * Gives the event loop back once a slice of work has run for `budgetMs`. Long jobs (parsing, hashing, merging and
 * compiling a 200,000-point library) call `pause()` often; it costs a clock read until the budget is spent, then
 * lets queued requests run before the job goes on.
 */
export class Slicer {
  private sliceStart = performance.now();
  /** How many times the job yielded. */
  yields = 0;

  constructor(private readonly budgetMs = 8) {}

  pause(): Promise<void> | undefined {
    if (performance.now() - this.sliceStart < this.budgetMs) return undefined;
    this.yields++;
    return nextMacrotask().then(() => {
      this.sliceStart = performance.now();
    });
  }
}

/** A Slicer that never yields: for command-line tools, where nothing else waits for the event loop. */
export const NO_SLICING = { pause: (): undefined => undefined };

import { setImmediate as nextMacrotask, setTimeout as sleep } from 'node:timers/promises';

/**
 * Gives the event loop back once a slice of work has run for `budgetMs`. Long jobs (parsing, hashing, merging and
 * compiling a 200,000-point library) call `pause()` often; it costs a clock read until the budget is spent, then
 * lets queued requests run before the job goes on. With `restMs`, the job then stays away that long (a duty cycle):
 * under a saturating load every slice run is latency added to the requests queued behind it, so a background job
 * that is in no hurry takes a share of the loop rather than every turn of it.
 */
export class Slicer {
  private sliceStart = performance.now();
  /** How many times the job yielded. */
  yields = 0;

  constructor(
    private readonly budgetMs = 8,
    private readonly restMs = 0,
  ) {}

  pause(): Promise<void> | undefined {
    if (performance.now() - this.sliceStart < this.budgetMs) return undefined;
    this.yields++;
    return (this.restMs > 0 ? sleep(this.restMs) : nextMacrotask()).then(() => {
      this.sliceStart = performance.now();
    });
  }
}

/** A Slicer that never yields: for command-line tools, where nothing else waits for the event loop. */
export const NO_SLICING = { pause: (): undefined => undefined };

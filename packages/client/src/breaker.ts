import type { BreakerOptions } from './types';

export const DEFAULT_BREAKER: BreakerOptions = {
  afterConnectFailureMs: 5000,
  timeoutStreak: 3,
  afterTimeoutsMs: 10_000,
};

/**
 * The shim's breaker, so a dead or hung sidecar costs the doctor one timeout, not one per keystroke:
 * a refused connection opens it for 5 s, three timeouts in a row for 10 s; any answer closes it.
 */
export class CircuitBreaker {
  private openUntil = 0;
  private timeouts = 0;

  constructor(
    private readonly options: BreakerOptions,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  isOpen(): boolean {
    return this.clock() < this.openUntil;
  }

  recordSuccess(): void {
    this.timeouts = 0;
    this.openUntil = 0;
  }

  recordConnectFailure(): void {
    this.openUntil = this.clock() + this.options.afterConnectFailureMs;
  }

  recordTimeout(): void {
    this.timeouts += 1;
    if (this.timeouts >= this.options.timeoutStreak) {
      this.timeouts = 0;
      this.openUntil = this.clock() + this.options.afterTimeoutsMs;
    }
  }
}

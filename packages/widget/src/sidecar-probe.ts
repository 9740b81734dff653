/**
 * Waits seconds apart, longer each time: a sidecar that restarts (an update, an AV scan) is back in well under a
 * minute, and one gone for the day costs a GET every 15 s per open station, nothing the 2-core PC notices.
 */
export const PROBE_DELAYS_MS = [3000, 5000, 10_000, 15_000];
const PROBE_TIMEOUT_MS = 1500;

/**
 * While the sidecar is unavailable, asks its /healthz now and then whether it answers again. Without it the page
 * kept saying 「暂不可用」 after the sidecar was back, and the HIS let orders be saved that were never checked.
 */
export class SidecarProbe {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private running = false;
  private controller: AbortController | undefined;

  constructor(
    /** The sidecar's base URL (sidecarBase). */
    private readonly base: () => string,
    private readonly onBack: () => void,
  ) {}

  /**
   * Starts probing (no-op while probing). The back-off goes on from where it was until reset(): a sidecar whose
   * /healthz answers but whose 3101 still fails (no library yet) is not asked every 3 s.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** The sidecar gave a usable answer: the next outage is probed from the shortest wait again. */
  reset(): void {
    this.attempt = 0;
  }

  /** Stops probing, leaving no timer or request behind. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    this.controller = undefined;
  }

  private schedule(): void {
    const delay = PROBE_DELAYS_MS[Math.min(this.attempt, PROBE_DELAYS_MS.length - 1)]!;
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probe();
    }, delay);
  }

  private async probe(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    let back = false;
    try {
      const response = await fetch(`${this.base()}/healthz`, { cache: 'no-store', signal: controller.signal });
      back = response.ok;
    } catch {
      back = false; // still away (or the page's origin is not allowed): try again later
    } finally {
      clearTimeout(timer);
      if (this.controller === controller) this.controller = undefined;
    }
    if (!this.running) return;
    if (back) {
      this.running = false;
      this.onBack();
    } else this.schedule();
  }
}

/**
 * The panel's screen-reader voice: one polite live region, written once per change. Apart from the element because
 * when and how the region is written is its own rule (every write is heard), kept in one place.
 */
export class LiveAnnouncer {
  /** Sentences of the change under way, said together once it is over (announce). */
  private announcing: string[] = [];

  constructor(private readonly live: HTMLElement) {}

  /**
   * Every write of a live region is heard, so it is written once per change: clearing it first was a second update
   * (heard as well), and sentences of one change (new warnings, all recorded) are said together. Writing the text
   * replaces the region's text node, so the same sentence twice in a row is still said again.
   */
  announce(text: string): void {
    if (this.announcing.length === 0)
      queueMicrotask(() => {
        // Dropped meanwhile (the sidecar went away): nothing of it is true any more.
        if (this.announcing.length === 0) return;
        this.live.textContent = this.announcing.join(' ');
        this.announcing = [];
      });
    this.announcing.push(text);
  }

  /** What was said, and what is still to be said, no longer stands: the region is emptied and the pending sentences dropped. */
  withdraw(): void {
    this.announcing = [];
    if (this.live.textContent !== '') this.live.textContent = '';
  }
}

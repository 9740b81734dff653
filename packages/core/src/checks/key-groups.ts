/**
 * Groups the lines of one encounter by a 32-bit integer key without allocating per request: an open-addressing table
 * and a "previous item with the same key" chain in typed arrays, reused from call to call. Evaluation is synchronous
 * and a check finishes with its groups before the next begins, so one module-level instance per check is safe.
 * A Map per request cost more here than the check itself (growth and rehashing for 50 lines).
 */
export class KeyGroups {
  private slots = 0;
  private keys = new Int32Array(0);
  /** Item index + 1 of the latest item with the slot's key; 0 = empty in this generation (see stamps). */
  private heads = new Int32Array(0);
  private stamps = new Uint32Array(0);
  private generation = 0;
  /** Per item: the index of the previous item with the same key, or -1. */
  private previous = new Int32Array(0);

  /** Starts a new grouping of up to `items` items. */
  begin(items: number): void {
    if (this.previous.length < items) this.previous = new Int32Array(Math.max(64, items * 2));
    const wanted = this.slots === 0 ? 128 : this.slots;
    let slots = wanted;
    while (slots < items * 2) slots *= 2;
    if (slots !== this.slots) {
      this.slots = slots;
      this.keys = new Int32Array(slots);
      this.heads = new Int32Array(slots);
      this.stamps = new Uint32Array(slots);
      this.generation = 0;
    }
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** Adds item `index` under `key`; returns the previous item with that key, or -1 when it is the first. */
  add(key: number, index: number): number {
    const mask = this.slots - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= mask;
      if (this.stamps[slot] !== this.generation) {
        this.stamps[slot] = this.generation;
        this.keys[slot] = key;
        this.heads[slot] = index + 1;
        this.previous[index] = -1;
        return -1;
      }
      if (this.keys[slot] === key) {
        const before = this.heads[slot]! - 1;
        this.heads[slot] = index + 1;
        this.previous[index] = before;
        return before;
      }
      slot++;
    }
  }

  /** The latest item added under `key`, or -1. */
  latest(key: number): number {
    const mask = this.slots - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= mask;
      if (this.stamps[slot] !== this.generation) return -1;
      if (this.keys[slot] === key) return this.heads[slot]! - 1;
      slot++;
    }
  }

  /** The item added before `index` under the same key, or -1. */
  before(index: number): number {
    return this.previous[index]!;
  }
}

/** What of a result tells its encounter: the national fields as the sidecar returns them (a skeleton may lack both). */
export interface EncounterOfResult {
  jr_id: string;
  patn_id?: string;
  mdtrt_id?: string;
}

/**
 * The encounter a result belongs to, '' when it carries no mdtrt_id (a result cut to a skeleton). The patient is part
 * of it: mdtrt_id may be a per-patient 就诊号 such as "1" (3101-3103.md §2.4), so two patients share one; the NUL
 * cannot occur in either id, so no two pairs run together.
 */
export function encounterKey(result: EncounterOfResult): string {
  const mdtrtId = result.mdtrt_id ?? '';
  return mdtrtId === '' ? '' : `${result.patn_id ?? ''}\u0000${mdtrtId}`;
}

/**
 * What the element remembers of encounters no longer shown, for the last `limit` shown: which of their warnings were
 * answered when they left the panel (so one open again on coming back is 「需再次处理」, not new), and whose settled
 * decisions to keep (keeps). Results without an encounter ('') cannot be told apart by patient: theirs are kept for
 * the last `limit` analyses that showed any, by jr_id, so a day of cut answers does not grow without end either.
 */
export class EncounterMemory {
  /** Encounters shown, least recent first (at most `limit`). */
  private recent: string[] = [];
  /** jr_ids of the results without an encounter, one set per analysis that showed any, least recent first. */
  private keyless: Set<string>[] = [];
  /** Warnings answered when they left the panel, by encounter ('' for results without one). */
  private readonly answeredWhenLeft = new Map<string, Set<string>>();

  constructor(private readonly limit: number) {}

  /** A warning answered as the panel is emptied or changed, for the next time its encounter is shown. */
  rememberAnswered(result: EncounterOfResult): void {
    const encounter = encounterKey(result);
    const answered = this.answeredWhenLeft.get(encounter) ?? new Set<string>();
    this.answeredWhenLeft.set(encounter, answered.add(result.jr_id));
  }

  /** The warnings answered when the encounters of `results` were last shown; given once, then let go. */
  takeAnswered(results: readonly EncounterOfResult[]): Set<string> {
    const answered = new Set<string>();
    for (const encounter of new Set(results.map(encounterKey))) {
      for (const jrId of this.answeredWhenLeft.get(encounter) ?? []) answered.add(jrId);
      this.answeredWhenLeft.delete(encounter);
    }
    return answered;
  }

  /**
   * An analysis shown: its encounters become the most recent, and what was kept of encounters (and of results
   * without one) beyond the last `limit` is let go. An empty analysis shows no encounter and changes nothing.
   */
  shown(results: readonly EncounterOfResult[]): void {
    const keys = new Set(results.map(encounterKey));
    const keyless = new Set(results.filter((r) => encounterKey(r) === '').map((r) => r.jr_id));
    keys.delete('');
    this.recent = [...this.recent.filter((key) => !keys.has(key)), ...keys].slice(-this.limit);
    if (keyless.size > 0) this.keyless = [...this.keyless, keyless].slice(-this.limit);
    for (const [encounter, answered] of this.answeredWhenLeft) {
      for (const jrId of answered) if (!this.keeps(encounter, jrId)) answered.delete(jrId);
      if (answered.size === 0) this.answeredWhenLeft.delete(encounter);
    }
  }

  /** Whether what belongs to warning `jrId` of `encounter` ('' for none) is still to be kept. */
  keeps(encounter: string, jrId: string): boolean {
    if (encounter !== '') return this.recent.includes(encounter);
    return this.keyless.some((analysis) => analysis.has(jrId));
  }
}

import type { JudgeResultDto } from '@prealert/core';

/**
 * A flagged line of a rule's point in an encounter under one library version, as one key. The version is part of it
 * because a jr_id is: a decision given under one library covers nothing raised under another (the revision may have
 * changed the point), as a repeated warning under a newer library is a new reminder too. The encounter is the
 * patient's (patientKey, the keyed pseudonym the reminders table holds) with mdtrt_id, as in the jr_id: a HIS 就诊号
 * repeats across patients, and patient A's continued lines answered patient B's warning with A's reason.
 */
export function lineKey(
  libraryVersion: string,
  patientKey: string,
  mdtrtId: string,
  ruleId: string,
  kpId: string,
  rxId: string,
): string {
  return `${libraryVersion}\u0001${patientKey}\u0001${mdtrtId}\u0001${ruleId}\u0001${kpId}\u0001${rxId}`;
}

/** A continued reminder and the keys (lineKey) of the lines it flagged, as they cross to the analysis thread. */
export type ContinuedReminderLines = readonly [jrId: string, keys: readonly string[]];

/**
 * The lines the doctor already continued (3103 dspo_way 1), by rule, point and encounter, so that a warning whose
 * jr_id is new only because it flags several of them together — a settlement's 单日 pair over the days each answered
 * under its own jr_id — is answered as decided instead of being asked again. Kept on the request thread (by
 * DispositionStore) and, as a copy, on the analysis thread: both must answer alike.
 */
export class ContinuedLines {
  /** lineKey → the continued jr_ids that flagged it, latest last. */
  private readonly byLine = new Map<string, string[]>();
  private readonly keysOf = new Map<string, readonly string[]>();
  /** jr_ids answered 返回修改: decided, so never answered as covered by other decisions. */
  private readonly returned = new Set<string>();

  constructor(continued: Iterable<ContinuedReminderLines> = [], returned: Iterable<string> = []) {
    for (const [jrId, keys] of continued) this.continue(jrId, keys);
    for (const jrId of returned) this.returned.add(jrId);
  }

  continue(jrId: string, keys: readonly string[]): void {
    this.forget(jrId);
    this.keysOf.set(jrId, keys);
    for (const key of keys) {
      const ids = this.byLine.get(key);
      if (ids === undefined) this.byLine.set(key, [jrId]);
      else ids.push(jrId);
    }
  }

  returnToModify(jrId: string): void {
    this.forget(jrId);
    this.returned.add(jrId);
  }

  /** Whether the jr_id's latest decision is 返回修改. */
  isReturned(jrId: string): boolean {
    return this.returned.has(jrId);
  }

  /** The jr_id is no longer decided either way (its reminder was pruned). Whether it was. */
  forget(jrId: string): boolean {
    const returned = this.returned.delete(jrId);
    const keys = this.keysOf.get(jrId);
    if (keys === undefined) return returned;
    this.keysOf.delete(jrId);
    for (const key of keys) {
      const ids = this.byLine.get(key);
      if (ids === undefined) continue;
      const at = ids.indexOf(jrId);
      if (at >= 0) ids.splice(at, 1);
      if (ids.length === 0) this.byLine.delete(key);
    }
    return true;
  }

  /** What another thread's copy starts from: the continued reminders' lines, and the jr_ids answered 返回修改. */
  snapshot(): { continued: ContinuedReminderLines[]; returned: string[] } {
    return { continued: [...this.keysOf], returned: [...this.returned] };
  }

  /**
   * A continued jr_id of the same library version, rule, point and encounter (the patient's: patientKeyOf gives the
   * pseudonym of the result's patn_id) that flagged one of this result's lines
   * (the result answered under libraryVersion), when every line
   * it flags (vola_item_type 1) was flagged by such a continued reminder; undefined when one was not, when it flags
   * none, or when its own jr_id was answered 返回修改. The caller has already found its own jr_id not continued.
   */
  coveredBy(
    result: JudgeResultDto,
    libraryVersion: string,
    patientKeyOf: (patientId: string) => string,
  ): string | undefined {
    if (this.byLine.size === 0 || this.returned.has(result.jr_id)) return undefined;
    let by: string | undefined;
    let patientKey: string | undefined;
    for (const detail of result.judge_result_detail_dtos ?? []) {
      if (String(detail.vola_item_type) !== '1') continue;
      patientKey ??= patientKeyOf(result.patn_id ?? '');
      const ids = this.byLine.get(
        lineKey(libraryVersion, patientKey, result.mdtrt_id, result.rule_id, result.kp_id ?? '', detail.rx_id),
      );
      if (ids === undefined) return undefined;
      by ??= ids[ids.length - 1];
    }
    return by;
  }

  /**
   * coveredBy with that decision's reason, as both threads answer it: reasonOf is where each keeps the reasons of
   * its continued jr_ids (DispositionStore reads the database, the analysis thread its copy of them). Undefined when
   * the covering jr_id is no longer continued there.
   */
  coveringDecision(
    result: JudgeResultDto,
    libraryVersion: string,
    reasonOf: (jrId: string) => string | undefined,
    patientKeyOf: (patientId: string) => string,
  ): { jrId: string; reason: string } | undefined {
    const jrId = this.coveredBy(result, libraryVersion, patientKeyOf);
    if (jrId === undefined) return undefined;
    const reason = reasonOf(jrId);
    return reason === undefined ? undefined : { jrId, reason };
  }
}

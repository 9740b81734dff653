import { DEFAULT_CONFIRM_REASON, type JudgeResultDto } from '@prealert/core';
import { shanghaiDay } from '../stats/days';

/** How far back an earlier visit's 继续执行 is offered again: a chronic patient's half-year of monthly visits. */
export const EARLIER_VISIT_WINDOW_MS = 180 * 24 * 60 * 60 * 1000;

/**
 * A 继续执行 with a reason, as it crosses to the analysis thread: the reminder's jr_id, its patient (the keyed
 * pseudonym reminders.patient_key holds, never the patn_id), encounter, rule and point, the reason and when it was
 * given (epoch ms). A tuple: it is cloned for every decision and in every worker's snapshot.
 */
export type EarlierVisitDecision = readonly [
  jrId: string,
  patientKey: string,
  mdtrtId: string,
  ruleId: string,
  kpId: string,
  reason: string,
  at: number,
];

/** What a result of a later visit is offered: the reason, and the Asia/Shanghai day (YYYY-MM-DD) it was given. */
export interface EarlierVisitHint {
  reason: string;
  date: string;
}

/**
 * The doctor's 继续执行 reasons by patient, rule and knowledge point, so that the same reminder in the patient's
 * next visit (a new mdtrt_id, so a new jr_id: the spec makes it a new question) can offer last visit's reason to
 * reuse. A point (kp_id) is one national item under one rule (its codes are the item's packs and makers), so the
 * point stands for the item; a rule-level result without a point names no item and is offered nothing.
 *
 * Kept on the request thread (DispositionStore) and, as a copy, on the analysis thread, fed alike: both must
 * answer alike. Looked up for every fired result, so the first step is one Map lookup by rule and point that needs
 * no patient key: the keyed pseudonym (an HMAC) is computed only for a point some patient has a reason for.
 */
export class EarlierVisitReasons {
  /** rule + point → patient key → that patient's decisions on it, oldest first. */
  private readonly byPoint = new Map<string, Map<string, EarlierVisitDecision[]>>();
  private readonly byJrId = new Map<string, EarlierVisitDecision>();

  constructor(decisions: Iterable<EarlierVisitDecision> = []) {
    for (const decision of decisions) this.continue(decision);
  }

  get size(): number {
    return this.byJrId.size;
  }

  /**
   * A 继续执行 with a reason stored (again, or replacing that jr_id's earlier one). The widget's fixed wording
   * (DEFAULT_CONFIRM_REASON, what its C Enter and 全部确认 send when the doctor typed nothing) is held as no reason:
   * offered back, it would be reused as if the doctor had written it. The patient's latest reason a doctor did give
   * on the point, if any, is offered instead.
   */
  continue(decision: EarlierVisitDecision): void {
    const [jrId, patientKey, , ruleId, kpId, reason] = decision;
    this.drop(jrId);
    if (kpId === '' || reason === '' || reason === DEFAULT_CONFIRM_REASON) return;
    const point = pointKey(ruleId, kpId);
    let patients = this.byPoint.get(point);
    if (patients === undefined) {
      patients = new Map();
      this.byPoint.set(point, patients);
    }
    const list = patients.get(patientKey);
    if (list === undefined) patients.set(patientKey, [decision]);
    else {
      // Kept in time order, so the latest is found from the end; a spooled decision may arrive late.
      let at = list.length;
      while (at > 0 && list[at - 1]![6] > decision[6]) at--;
      list.splice(at, 0, decision);
    }
    this.byJrId.set(jrId, decision);
  }

  /**
   * The jr_id is no longer continued (answered 返回修改, or its reminder pruned): its reason is offered no more.
   * Whether it was held.
   */
  drop(jrId: string): boolean {
    const decision = this.byJrId.get(jrId);
    if (decision === undefined) return false;
    this.byJrId.delete(jrId);
    const point = pointKey(decision[3], decision[4]);
    const patients = this.byPoint.get(point);
    const list = patients?.get(decision[1]);
    if (patients === undefined || list === undefined) return true;
    const at = list.indexOf(decision);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) patients.delete(decision[1]);
    if (patients.size === 0) this.byPoint.delete(point);
    return true;
  }

  /** What another thread's copy starts from. */
  snapshot(): EarlierVisitDecision[] {
    return [...this.byJrId.values()];
  }

  /**
   * The latest 继续执行 reason of the result's patient on its rule and point given in another encounter (another
   * mdtrt_id) within EARLIER_VISIT_WINDOW_MS before `now`, or undefined.
   */
  hint(result: JudgeResultDto, now: number, patientKeyOf: (patientId: string) => string): EarlierVisitHint | undefined {
    if (this.byPoint.size === 0 || !result.kp_id) return undefined;
    const patients = this.byPoint.get(pointKey(result.rule_id, result.kp_id));
    if (patients === undefined) return undefined;
    const list = patients.get(patientKeyOf(result.patn_id ?? ''));
    if (list === undefined) return undefined;
    const since = now - EARLIER_VISIT_WINDOW_MS;
    for (let i = list.length - 1; i >= 0; i--) {
      const decision = list[i]!;
      if (decision[6] < since) return undefined;
      if (decision[2] !== result.mdtrt_id) return { reason: decision[5], date: shanghaiDay(decision[6]) };
    }
    return undefined;
  }
}

function pointKey(ruleId: string, kpId: string): string {
  return `${ruleId}\u0001${kpId}`;
}

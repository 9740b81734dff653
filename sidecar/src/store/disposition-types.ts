import type { WorkflowImpact } from '@prealert/core';
import type { EarlierVisitDecision } from './earlier-visit-reasons';

// The shapes a 3103 goes in and out of the DispositionStore (dispositions.ts) in: the national service, spool
// replay and the analysis thread name these without needing the store's statements.

/** What a 3103 needs to know about the reminder it answers. */
export interface ReminderFacts {
  jrId: string;
  infno: string;
  ruleId: string;
  ruleName: string;
  kpId: string;
  severity: number;
  impact: WorkflowImpact;
  amount: number;
  day: string;
  deptCode: string;
  doctorCode: string;
  /** drord_dr_name as stored (staff-fields.ts: the patient's names and ID numbers masked). */
  doctorName: string;
  source: string;
}

export interface DispositionInput {
  jrId: string;
  /** 1 继续执行, 2 返回修改. */
  way: '1' | '2';
  reason: string;
  /** 1 事前, 2 事中. */
  warnType: '1' | '2';
}

/**
 * Who made a decision: the 3103 envelope's 经办人 (opter, opter_name), as the HIS sent them. Stored as a reminder's
 * doctor code and name are (staff-fields.ts): an opter that is an ID number (some HIS key doctors by 身份证号) as its
 * keyed pseudonym, ID numbers in the name masked.
 */
export interface Decider {
  code: string;
  name: string;
}

export interface StoredDisposition {
  way: '1' | '2';
  reason: string;
  warnType: string;
  at: number;
  revision: number;
}

export interface RecordOutcome {
  /** New or changed decisions (each also queued for the platform). */
  changed: number;
  /** Repeats of the decision already stored. */
  unchanged: number;
  /** A 3103 was queued for the provincial gateway (a repeat may still owe one to a gateway id seen since). */
  queuedUpstream: boolean;
}

export type ContinuedListener = (
  jrId: string,
  reason: string | undefined,
  lines?: readonly string[],
  returned?: boolean,
  /** A 继续执行's reason for the patient's later visits (EarlierVisitReasons); none when it has no reason or point. */
  earlierVisit?: EarlierVisitDecision,
) => void;

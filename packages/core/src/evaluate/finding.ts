import type { Severity, WorkflowImpact } from '../envelope/national-types';

/** One line a finding names: 1 违规项 (flagged, current) or 2 涉及项 (made it fire). */
export interface FindingLine {
  rxId: string;
  itemType: 1 | 2;
  amount: number;
}

/** What fired, in readable English; becomes a national `result[]` entry. */
export interface Finding {
  jrId: string;
  ruleId: string;
  ruleName: string;
  ruleClass: string;
  /** Empty for rule-level checks (data_quality, max_items_per_rx, drug_class_duplicate). */
  kpId: string;
  severity: Severity;
  impact: WorkflowImpact;
  /** Sum of the flagged lines' amounts, 2 decimals. */
  amount: number;
  amountComputed: boolean;
  patientId: string;
  encounterId: string;
  /** Ordering department and doctor of the first flagged line (encounter's as fallback). */
  deptCode: string;
  deptName: string;
  doctorCode: string;
  doctorName: string;
  lines: FindingLine[];
  /** vola_cont. */
  message: string;
  /** vola_evid. */
  evidence: string;
  /** A text-only 药品限适应症 reminder (only asks to confirm the restriction); absent otherwise. */
  textOnlyIndication?: true;
  /** A frequency limit's finding (max_qty_per_period, max_qty_per_n_days: 限定频次, 周期超频次); absent otherwise. */
  frequency?: true;
}

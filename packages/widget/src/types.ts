import type { AnalysisData, AnalysisInput, JudgeResultDto } from '@prealert/core';

export type {
  AnalysisData,
  AnalysisInput,
  AnalysisOutput,
  JudgeResultDetailDto,
  JudgeResultDto,
  WorkflowImpact,
} from '@prealert/core';

/** 继续执行 (3103 dspo_way 1) or 返回修改 (dspo_way 2). */
export type Disposition = 'continue' | 'modify';

/** Where a decision's 3103 stands. Only `recorded` means the sidecar acknowledged it. */
export type DeliveryState = 'sending' | 'recorded' | 'queued' | 'rejected';

export interface WarningDecision {
  jrId: string;
  disposition: Disposition;
  /** dspo_way_rea as sent. */
  reason: string;
  delivery: DeliveryState;
  /** Why a 3103 was rejected or is still queued. */
  deliveryError?: string;
  /** ISO time of the decision. */
  at: string;
}

/** A disposition the sidecar already holds (GET /v1/tasks/:task_id `dispositions`). */
export interface RecordedDisposition {
  dspo_way: '1' | '2';
  dspo_way_rea?: string;
  at?: string;
}

export interface ShowOptions {
  /** 3101 → warn_type 1, 3102 → warn_type 2. Default 3101. */
  infno?: '3101' | '3102' | string;
  /** Default: the results' task_id (never an earlier show()'s). */
  taskId?: string;
  /** Decisions made earlier (e.g. in another window), keyed by jr_id. */
  dispositions?: Record<string, RecordedDisposition>;
  /**
   * When the sidecar answered this analysis (GET /v1/tasks `created_at`). A 返回修改 in `dispositions` recorded
   * before it was given on an earlier analysis and does not answer this one.
   */
  taskCreatedAt?: string;
  /**
   * The 3101/3102 `input` (or its `data`) these results answer. With it, a warning shown on an earlier analysis of the
   * same encounter and scene that this one no longer returns, though its lines are still sent as current lines (or,
   * with `wholePrescriptions`, were deleted from a prescription still sent), is reported as 返回修改 (3103 dspo_way 2)
   * unless the doctor answered it.
   */
  request?: AnalysisData | AnalysisInput;
  /**
   * The answer is incomplete (`output.truncated`: cut to fit, or the provincial gateway's warnings could not be
   * included): a warning missing from it is not taken as resolved.
   */
  truncated?: boolean;
  /**
   * This request carries every line of each prescription (rxno) it sends, so a flagged line missing from one was
   * deleted. Leave it unset when the HIS analyses only the orders the doctor selects. Default: the element's
   * `whole-prescriptions` attribute.
   */
  wholePrescriptions?: boolean;
  /**
   * How many reminders of this answer could not be shown (the reminder page passes GET /v1/tasks `results_unread`):
   * when the ones shown are all recorded, the panel then says 「已显示的提醒已全部处理并记录」, never that every
   * reminder was dealt with. Anything but a positive whole number counts as none.
   */
  notShown?: number;
}

export interface ResolvedEventDetail {
  /** The analysis that no longer returns them. */
  taskId: string;
  /** The warnings reported as 返回修改 because an edit of the order resolved them. */
  results: JudgeResultDto[];
}

/** Header fields of the 3103 envelope (national names). */
export interface FeedbackEnvelopeFields {
  fixmedins_code?: string;
  fixmedins_name?: string;
  mdtrtarea_admvs?: string;
  opter?: string;
  opter_name?: string;
}

export interface DecisionEventDetail {
  jrId: string;
  disposition: Disposition;
  reason: string;
  result: JudgeResultDto;
}

export interface ModifyEventDetail {
  jrId: string;
  /** The 违规项 lines to change. */
  rxIds: string[];
  result: JudgeResultDto;
}

export interface HighlightEventDetail {
  /** rx_id → worst sev_deg among the warnings that flag it as 违规项. */
  severityByLine: Record<string, '1' | '2' | '3'>;
  /** rx_ids of the warning that has focus (its 违规项 and 涉及项). */
  activeRxIds: string[];
}

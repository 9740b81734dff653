import type {
  AnalysisData,
  AnalysisInput,
  AnalysisOutput,
  FeedbackData,
  FeedbackInput,
  JudgeResultDto,
  ResponseEnvelope,
} from '@prealert/core';

export type {
  AnalysisData,
  AnalysisInput,
  AnalysisOutput,
  DiagnoseDto,
  EncounterDto,
  FeedbackData,
  FeedbackInput,
  FeedbackWarnDto,
  JudgeResultDetailDto,
  JudgeResultDto,
  OperationDto,
  OrderDto,
  PatientDto,
  RequestEnvelope,
  ResponseEnvelope,
  Severity,
  WorkflowImpact,
} from '@prealert/core';

/**
 * A result as the sidecar returns it when the doctor already answered the warning earlier in the encounter
 * (prealert's extension, not in the national answer): `prior_dspo` true, with the answer given.
 */
export type PriorAnswered = JudgeResultDto & { prior_dspo?: boolean; dspo_way?: string; dspo_way_rea?: string };

/**
 * prealert's extension on a result this encounter has not decided, when the same patient got a 继续执行 with a reason
 * on the same rule and knowledge point in an earlier encounter (another mdtrt_id) within 180 days: that reason (the
 * latest such decision's) and the day it was given, to offer the doctor for reuse. Only a suggestion: the result is
 * this visit's question (its own jr_id, no prior_dspo) and still needs its own 3103.
 */
export type PriorVisitHinted = JudgeResultDto & {
  /** The earlier visit's dspo_way_rea. */
  prior_visit_rea?: string;
  /** The day it was given, YYYY-MM-DD (Asia/Shanghai). */
  prior_visit_date?: string;
};

/**
 * A result whose lines the answer does not list: no detail row names a 违规项 line (vola_item_type 1 with an rx_id).
 * The sidecar shortened it to fit (`truncated`: a skeleton keeps jr_id, rule_id, rule_name, sev_deg, wf_impact,
 * vola_amt, the decision fields and the head of vola_cont, and no rx_id or item code), or the engine listed none.
 */
export interface LinesOmitted {
  /** True when the lines to change are not listed: the line helpers find nothing to mark. Absent otherwise. */
  linesOmitted?: true;
}

/**
 * A result as `analyze()` returns it: the national fields, and prealert's extensions when the sidecar sent them
 * (`prior_dspo` with the answer already given in this encounter; `prior_visit_rea`/`prior_visit_date` from an earlier
 * visit; a national engine sends none of them, they are then absent), and `linesOmitted` when its lines are not listed.
 */
export type AnalyzedResult = PriorAnswered & PriorVisitHinted & LinesOmitted;

/** The header fields of the national request envelope a HIS fills once per workstation (names as NHSA spells them). */
export interface EnvelopeDefaults {
  fixmedins_code?: string;
  fixmedins_name?: string;
  mdtrtarea_admvs?: string;
  insuplc_admdvs?: string;
  recer_sys_code?: string;
  opter_type?: string;
  opter?: string;
  opter_name?: string;
  sign_no?: string;
  infver?: string;
}

/**
 * Why a call resolved without the sidecar's answer. The names match the native shim's `shim.reason`,
 * so logs from DLL and SDK integrations read the same.
 */
export type FailOpenReason =
  | 'sidecar_unreachable'
  | 'sidecar_timeout'
  | 'breaker_open'
  | 'bad_response'
  | 'response_too_large'
  | 'aborted'
  /**
   * The sidecar answered infcode -1 marked `prealert_retry`: it failed on its own for a moment (its database
   * locked, its analysis thread restarting), not because of the request. `detail` is its err_msg.
   */
  | 'sidecar_error';

export interface FailOpen {
  reason: FailOpenReason;
  /** Human-readable cause (error code, HTTP status); never contains patient data. */
  detail: string;
}

export type CallStatus = 'ok' | 'rejected' | 'fail_open';

export interface AnalyzeResult {
  /**
   * `ok`: the sidecar answered (results may be empty = nothing fired).
   * `rejected`: the sidecar refused the request (infcode -1); `error` names the bad field. Prescribing proceeds.
   * `fail_open`: no usable answer in time; `failOpen.reason` says why. Prescribing proceeds.
   */
  status: CallStatus;
  infno: '3101' | '3102';
  /** The task_id sent (generated when the input had none). */
  taskId: string;
  /** 3103 warn_type answering these results: 1 事前 for 3101, 2 事中 for 3102. */
  warnType: '1' | '2';
  /** Always an array; empty unless status is `ok` and something fired. */
  results: AnalyzedResult[];
  /**
   * The result list is incomplete: the sidecar trimmed it to fit (it keeps the most severe), or could not include the
   * provincial gateway's warnings (slow, down). A warning missing from it may only have been left out.
   */
  truncated: boolean;
  failOpen?: FailOpen;
  /** err_msg of a rejected request. */
  error?: string;
  elapsedMs: number;
  /** The raw national response, when one arrived. */
  response?: ResponseEnvelope<AnalysisOutput>;
}

export interface FeedbackResult {
  status: CallStatus;
  /** How many warns were sent. */
  sent: number;
  failOpen?: FailOpen;
  error?: string;
  /**
   * The 3103 stays queued in this client's memory (fail-open only) and is resent in the background after the
   * next call that reaches the sidecar, or by `flushFeedback()`. Lost if the HIS itself restarts first. False on a
   * fail-open whose warnings the doctor answered again meanwhile: the newer answer is the one that goes out.
   */
  queued: boolean;
  elapsedMs: number;
  response?: ResponseEnvelope<unknown>;
}

export interface CallOptions {
  /** Overrides the client's timeout for this call (capped by the client's hard ceiling). */
  timeoutMs?: number;
  /** Caller's cancellation; resolves as fail-open `aborted`. */
  signal?: AbortSignal;
  /** Per-call envelope fields (e.g. the logged-in doctor as opter/opter_name). */
  envelope?: EnvelopeDefaults;
}

export interface AnalyzeOptions extends CallOptions {
  /** 3101 (事前, default) or 3102 (事中). */
  infno?: '3101' | '3102';
}

export interface BreakerOptions {
  /** After a refused connection, fail open at once for this long. Default 5000. */
  afterConnectFailureMs: number;
  /** Consecutive timeouts that open the breaker. Default 3. */
  timeoutStreak: number;
  /** How long it stays open after a timeout streak. Default 10000. */
  afterTimeoutsMs: number;
}

export interface PrealertClientOptions {
  /** The sidecar, e.g. `http://127.0.0.1:17311`. Loopback in normal deployments. */
  baseUrl: string;
  /** Route of the national gateway emulation. Default `/fsi/api/rsfComIfsService/callService`; not used with `token`. */
  servicePath?: string;
  /** One deadline covering connect, send and receive. Defaults: 3101/3102 1500 ms, 3103 800 ms. */
  analyzeTimeoutMs?: number;
  feedbackTimeoutMs?: number;
  /** Connect budget (loopback connects take well under a millisecond). Default 150. */
  connectTimeoutMs?: number;
  /**
   * The sidecar's `shimToken`: sent as `X-Prealert-Token`, and the calls go to the token-guarded `/v1/yb/<infno>`
   * (the native shim's route) instead of `servicePath`, where the sidecar checks it. A wrong one is `rejected`.
   */
  token?: string;
  envelope?: EnvelopeDefaults;
  /** Larger answers fail open as `response_too_large`. Default 8 MiB. */
  maxResponseBytes?: number;
  /** `false` disables the circuit breaker. */
  breaker?: Partial<BreakerOptions> | false;
  /** 3103s that failed open are kept (up to this many) and resent later. Default 500; 0 disables. */
  maxQueuedFeedback?: number;
  /** Keep-alive connections to the sidecar. Default 4. */
  connections?: number;
  /** Called on every fail-open, e.g. to log it. Must not throw. */
  onFailOpen?: (event: { infno: string; failOpen: FailOpen }) => void;
  /**
   * Called for each queued 3103 that leaves the queue undelivered, so no decision is lost unnoticed: the sidecar
   * refused it when resent (`rejected`, with its err_msg), the queue was full (`queue_full`, oldest first), or
   * close() was called with it still queued (`closed`). Not called for an answer the doctor replaced with a newer
   * one. Must not throw.
   */
  onFeedbackDropped?: (event: { feedback: FeedbackData; reason: FeedbackDropReason; error?: string }) => void;
}

export type FeedbackDropReason = 'rejected' | 'queue_full' | 'closed';

export type AnalyzeInputLike = AnalysisData | AnalysisInput;
export type FeedbackInputLike = FeedbackData | FeedbackInput;

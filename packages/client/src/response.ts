import { isRecord } from './is-record';
import type { JudgeResultDetailDto, JudgeResultDto, ResponseEnvelope } from './types';

export type ParsedAnswer =
  | { kind: 'ok'; envelope: ResponseEnvelope<unknown>; results: JudgeResultDto[]; truncated: boolean }
  | { kind: 'rejected'; envelope: ResponseEnvelope<unknown>; message: string }
  /** The sidecar failed on its own for a moment (infcode -1 marked `prealert_retry`): the same call may succeed later. */
  | { kind: 'retry'; envelope: ResponseEnvelope<unknown>; message: string }
  | { kind: 'bad'; detail: string };

/**
 * The sidecar's mark on an infcode -1 that is its own passing failure (a locked database, its analysis thread
 * restarting), not the request's fault. National gateways never send it.
 */
export const RETRY_FIELD = 'prealert_retry';

/** The spec allows a single object where it says 集合, and null for "nothing". */
function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
const amount = (value: unknown): number => {
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : 0;
};

function normalizeDetail(raw: unknown): JudgeResultDetailDto | undefined {
  if (!isRecord(raw)) return undefined;
  return {
    jrd_id: text(raw.jrd_id),
    patn_id: text(raw.patn_id),
    mdtrt_id: text(raw.mdtrt_id),
    rx_id: text(raw.rx_id),
    vola_item_type: text(raw.vola_item_type) === '2' ? '2' : '1',
    vola_amt: amount(raw.vola_amt),
  };
}

function normalizeResult(raw: unknown): JudgeResultDto | undefined {
  if (!isRecord(raw) || typeof raw.jr_id !== 'string' || raw.jr_id === '') return undefined;
  const severity = text(raw.sev_deg);
  const impact = text(raw.wf_impact);
  return {
    ...(raw as Partial<JudgeResultDto>),
    jr_id: raw.jr_id,
    rule_id: text(raw.rule_id),
    rule_name: text(raw.rule_name),
    vola_cont: text(raw.vola_cont),
    patn_id: text(raw.patn_id),
    mdtrt_id: text(raw.mdtrt_id),
    judge_result_detail_dtos: asArray(raw.judge_result_detail_dtos)
      .map(normalizeDetail)
      .filter((d): d is JudgeResultDetailDto => d !== undefined),
    vola_amt: amount(raw.vola_amt),
    vola_amt_stas: text(raw.vola_amt_stas) === '0' ? '0' : '1',
    sev_deg: severity === '1' || severity === '2' ? severity : '3',
    vola_evid: text(raw.vola_evid),
    vola_bhvr_type: text(raw.vola_bhvr_type),
    task_id: text(raw.task_id),
    // National engines do not send wf_impact; the national practice is "continuing needs a reason".
    wf_impact: impact === 'notice' || impact === 'confirm' || impact === 'block' ? impact : 'reason',
    kp_id: text(raw.kp_id),
  };
}

/**
 * Reads a national response tolerantly (infcode as number or string, result as array, object or null),
 * but refuses anything that is not an envelope: a proxy's error page must not pass for "no warnings".
 */
export function parseAnswer(statusCode: number, body: unknown, expectResults: boolean): ParsedAnswer {
  if (!isRecord(body) || !('infcode' in body)) {
    return { kind: 'bad', detail: `HTTP ${statusCode}: not a national response envelope` };
  }
  const infcode = Number(body.infcode);
  if (!Number.isFinite(infcode)) return { kind: 'bad', detail: `HTTP ${statusCode}: infcode is not a number` };
  const envelope = body as unknown as ResponseEnvelope<unknown>;
  if (infcode !== 0) {
    const message = text(body.err_msg) || `infcode ${infcode}`;
    return { kind: body[RETRY_FIELD] === true ? 'retry' : 'rejected', envelope, message };
  }
  if (statusCode >= 400) return { kind: 'bad', detail: `HTTP ${statusCode} with infcode 0` };
  if (!expectResults) return { kind: 'ok', envelope, results: [], truncated: false };

  const output = isRecord(body.output) ? body.output : {};
  const rawResults = asArray(output.result);
  const results: JudgeResultDto[] = [];
  for (const [index, raw] of rawResults.entries()) {
    const result = normalizeResult(raw);
    if (!result) return { kind: 'bad', detail: `output.result[${index}] has no jr_id` };
    results.push(result);
  }
  const truncated = body.truncated === true || output.truncated === true;
  return { kind: 'ok', envelope, results, truncated };
}

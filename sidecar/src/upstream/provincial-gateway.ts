import { createHash } from 'node:crypto';
import {
  type JudgeResultDto,
  readAmountStatusCode,
  readItemTypeCode,
  readSeverityCode,
  stableHash,
  type WorkflowImpact,
} from '@prealert/core';
import type { Logger } from 'pino';
import { Agent, type Dispatcher, request } from 'undici';
import type { UpstreamGatewayConfig } from '../config';
import { type DeliveryFailure, httpFailure } from '../outbox/delivery-failure';
import type { OutboxDestination } from '../outbox/outbox-forwarder';
import type { OutboxEntry } from '../store/outbox';
import { requestTarget, shownUrl, siblingUrl } from '../url-credentials';
import { parseGatewayAmount } from './gateway-amount';
import { GatewayHealth } from './gateway-health';
import { tifHeaders } from './tif-signature';

export type UpstreamOutcome =
  | {
      ok: true;
      results: JudgeResultDto[];
      /** The err_msg of an answer that is still used (infcode 0): logged by the caller, who knows whose names to mask. */
      notice?: string;
    }
  | {
      ok: false;
      reason: 'timeout' | 'http_error' | 'bad_response' | 'gateway_error' | 'network_error';
      detail: string;
    };

const CALL_SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';
const FEEDBACK_TIMEOUT_MS = 10_000;
/**
 * Results taken from one answer at most. The spec bounds an answer at 40,000 characters, which holds far fewer; a
 * gateway sending more is broken, and merging them all would cost the request thread for nothing.
 */
export const MAX_UPSTREAM_RESULTS = 200;

/** Thrown while reading an answer that is larger than upstream.maxBodyBytes; the read stops there. */
class BodyTooLarge extends Error {}

/** Stops reading a body and closes its connection; undici's "aborted" error then has a listener. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** An outbox entry of kind upstream_feedback: the HIS's 3103 header and the decisions on the gateway's results. */
export interface UpstreamFeedback {
  header: Record<string, unknown>;
  data: { warn_type: string; warns: { warn_rslt_id: string; dspo_way: string; dspo_way_rea: string }[] };
}

/**
 * The provincial gateway, asked in parallel with the local evaluation. Its answer is awaited only within the
 * configured budget: whatever it does (slow, down, garbage), the local answer goes out on time.
 */
export class ProvincialGateway {
  private readonly agent: Agent;
  private readonly url: string;
  /** HTTP Basic authorization from the configured URL's userinfo, which undici would not send. */
  private readonly userinfoHeaders: Record<string, string>;
  /** How forwarding fares: for /v1/status, /metrics, and one log line per change rather than one per call. */
  readonly health: GatewayHealth;

  constructor(
    private readonly config: UpstreamGatewayConfig & { url: string },
    private readonly logger?: Logger,
  ) {
    const url = new URL(config.url);
    // A bare base URL means "the same national path there", as a HIS only changes its base URL.
    const target = requestTarget(
      url.pathname === '/' || url.pathname === '' ? siblingUrl(CALL_SERVICE_PATH, config.url) : config.url,
    );
    this.url = target.url;
    this.userinfoHeaders = target.headers;
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 8, connect: { timeout: config.timeoutMs } });
    this.health = new GatewayHealth(shownUrl(this.url), logger);
  }

  /** Starts the call now; the promise settles within the budget and never rejects. */
  analyze(envelopeJson: string): Promise<UpstreamOutcome> {
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    return this.call(envelopeJson, signal)
      .catch((error: unknown): UpstreamOutcome => {
        if (error instanceof BodyTooLarge) return { ok: false, reason: 'bad_response', detail: error.message };
        if (signal.aborted)
          return { ok: false, reason: 'timeout', detail: `no answer within ${this.config.timeoutMs} ms` };
        return { ok: false, reason: 'network_error', detail: (error as Error).message ?? String(error) };
      })
      .then((outcome) => {
        if (outcome.ok) this.health.succeeded();
        else this.health.failed(outcome.reason);
        return outcome;
      });
  }

  private async call(envelopeJson: string, signal: AbortSignal): Promise<UpstreamOutcome> {
    const response = await request(this.url, {
      method: 'POST',
      dispatcher: this.agent,
      signal,
      headers: {
        ...this.userinfoHeaders,
        ...this.config.headers,
        ...(this.config.tif ? tifHeaders(this.config.tif) : {}),
        'content-type': 'application/json; charset=utf-8',
      },
      body: envelopeJson,
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      return { ok: false, reason: 'http_error', detail: `HTTP ${response.statusCode}` };
    }
    const answerText = await this.readCapped(response);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answerText);
    } catch {
      return { ok: false, reason: 'bad_response', detail: 'answer is not JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null)
      return { ok: false, reason: 'bad_response', detail: 'answer is not an object' };
    const envelope = parsed as { infcode?: unknown; err_msg?: unknown; output?: { result?: unknown } };
    // Read through text(): Number() and String() of a JSON object with a "toString" key throw.
    if (Number(text(envelope.infcode)) !== 0) {
      return {
        ok: false,
        reason: 'gateway_error',
        detail: `infcode ${text(envelope.infcode)}: ${text(envelope.err_msg)}`,
      };
    }
    // Success with a message ("FSI-签名错误" from a TIF gateway that still answers): used, but worth a look.
    const notice = text(envelope.err_msg).trim() !== '' ? text(envelope.err_msg).slice(0, 500) : undefined;
    // Some gateways answer a single object where the spec says a list (3101-3103.md §3).
    const raw = envelope.output?.result;
    const all = raw == null ? [] : Array.isArray(raw) ? raw : [raw];
    const list = all.length > MAX_UPSTREAM_RESULTS ? all.slice(0, MAX_UPSTREAM_RESULTS) : all;
    if (list !== all) {
      this.logger?.warn(
        { upstream_results: all.length, kept: MAX_UPSTREAM_RESULTS },
        'upstream gateway answered more results than are merged',
      );
    }
    const results: JudgeResultDto[] = [];
    const unreadable = new Set<string>();
    let withoutId = 0;
    for (const item of list) {
      if (typeof item !== 'object' || item === null) continue;
      const jrId = upstreamJrId((item as { jr_id?: unknown }).jr_id);
      // A result with no id cannot be answered with a 3103, recorded or counted: the HIS could not even name it.
      if (jrId === undefined) {
        withoutId += 1;
        continue;
      }
      results.push(normaliseUpstreamResult({ ...(item as Record<string, unknown>), jr_id: jrId }, unreadable));
    }
    if (withoutId > 0) {
      // Left out, so worth a look at the gateway: counted, never quoted (a result's text may name the patient).
      this.logger?.warn(
        { upstream_results_without_jr_id: withoutId },
        'upstream gateway sent results without a jr_id; left out, as they cannot be answered',
      );
    }
    if (unreadable.size > 0) {
      // Field names only: the value itself is the gateway's free text, which could carry anything.
      this.logger?.warn(
        { unreadable_fields: [...unreadable] },
        'upstream gateway sent amounts that are not numbers; recorded as 0, not computed (vola_amt_stas 0)',
      );
    }
    return notice === undefined ? { ok: true, results } : { ok: true, results, notice };
  }

  /**
   * The answer's text, read at most upstream.maxBodyBytes: refused outright when content-length says more,
   * otherwise counted while it streams and abandoned (the connection destroyed) at the cap. Without the cap a
   * gateway answering hundreds of megabytes held the request thread past the budget and took gigabytes.
   */
  private async readCapped(response: Dispatcher.ResponseData): Promise<string> {
    const cap = this.config.maxBodyBytes;
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) {
      discard(response.body);
      throw new BodyTooLarge(`answer of ${declared} bytes exceeds upstream.maxBodyBytes (${cap})`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > cap) {
        discard(response.body);
        throw new BodyTooLarge(`answer exceeds upstream.maxBodyBytes (${cap}) while reading`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  /**
   * The gateway as the destination of the doctor's decisions on its own results (3103), so the province sees
   * them as it would without prealert. Delivered from the outbox: durable, retried with backoff
   * (upstream.retryMinMs doubling up to upstream.retryMaxMs).
   */
  feedbackDestination(): OutboxDestination {
    return {
      name: 'upstream gateway 3103',
      kinds: ['upstream_feedback'],
      retryMinMs: this.config.retryMinMs,
      retryMaxMs: this.config.retryMaxMs,
      deliver: (entry: OutboxEntry) => this.sendFeedback(JSON.parse(entry.payload) as UpstreamFeedback),
      close: async () => {},
    };
  }

  private async sendFeedback(feedback: UpstreamFeedback): Promise<DeliveryFailure | undefined> {
    const response = await request(this.url, {
      method: 'POST',
      dispatcher: this.agent,
      signal: AbortSignal.timeout(FEEDBACK_TIMEOUT_MS),
      headers: {
        ...this.userinfoHeaders,
        ...this.config.headers,
        ...(this.config.tif ? tifHeaders(this.config.tif) : {}),
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ ...feedback.header, infno: '3103', input: { data: feedback.data } }),
    });
    const answerText = await response.body.text();
    if (response.statusCode !== 200) return httpFailure(response.statusCode);
    let answer: { infcode?: unknown; err_msg?: unknown };
    try {
      answer = JSON.parse(answerText) as typeof answer;
    } catch {
      // A proxy's or a broken gateway's page: every entry would get the same.
      return { error: 'answer is not JSON', scope: 'destination', answered: true };
    }
    if (Number(text(answer.infcode)) === 0) return undefined;
    // The outbox logs this on every retry and keeps it in last_error. A refusal's err_msg is free text that may
    // name the patient ("参保人王某某的预警结果不存在"), and on this path the names are not known (the records hold
    // only pseudonyms), so it cannot be masked: only the code is kept.
    const message =
      answer.err_msg === undefined || answer.err_msg === null || answer.err_msg === ''
        ? ''
        : " (the gateway's err_msg is withheld: it may name a patient)";
    // Whether the refusal is this entry's or the gateway's (a wrong TIF signature: "FSI-签名错误" for every 3103)
    // only shows across entries: the outbox pauses when different entries are refused with the same text.
    return {
      error: `infcode ${infcodeText(answer.infcode)}${message}`,
      scope: 'entry',
      answered: true,
      // JSON.stringify, not String(): of a JSON object with a "toString" key String() throws.
      likeness: createHash('sha256')
        .update(JSON.stringify([answer.infcode ?? null, answer.err_msg ?? null]))
        .digest('hex'),
    };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** A gateway's infcode as text, when it is a short number; anything else it sent is not quoted. */
function infcodeText(infcode: unknown): string {
  if (typeof infcode === 'number' && Number.isInteger(infcode) && Math.abs(infcode) < 1e6) return String(infcode);
  if (typeof infcode === 'string' && /^-?\d{1,6}$/.test(infcode.trim())) return infcode.trim();
  return '(not a number)';
}

const WORKFLOW_IMPACTS: ReadonlySet<string> = new Set(['notice', 'confirm', 'reason', 'block']);

/** A field of the gateway's answer as text: whatever it sent (a number, null, nothing) becomes a string. */
function text(value: unknown): string {
  return value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * A gateway's jr_id as prealert keeps it: a non-empty string, or a whole number sent for one (as real clients send),
 * as its digits. Only a safe integer: a larger one was already rounded by JSON.parse, and its digits would name a
 * reminder the gateway never sent (and two could become one).
 */
function upstreamJrId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The gateway's result rebuilt from the national fields only, each coerced to its national type: a result that
 * lacks a rule name or sends numbers as text is still shown and recorded, and nothing the gateway adds beyond the
 * contract (names, ID numbers) is kept.
 */

function normaliseUpstreamResult(item: Record<string, unknown>, unreadable: Set<string>): JudgeResultDto {
  const sevDeg = readSeverityCode(item.sev_deg) ?? '3';
  const rawDetails = item.judge_result_detail_dtos;
  const details = (Array.isArray(rawDetails) ? rawDetails : rawDetails ? [rawDetails] : []).filter(
    (d): d is Record<string, unknown> => typeof d === 'object' && d !== null,
  );
  const impact = text(item.wf_impact);
  const amount = amountOf(item.vola_amt, 'output.result[].vola_amt', unreadable);
  return {
    jr_id: text(item.jr_id),
    rule_id: text(item.rule_id),
    rule_name: text(item.rule_name),
    vola_cont: text(item.vola_cont),
    patn_id: text(item.patn_id),
    mdtrt_id: text(item.mdtrt_id),
    judge_result_detail_dtos: details.map((d) => ({
      jrd_id: text(d.jrd_id),
      patn_id: text(d.patn_id),
      mdtrt_id: text(d.mdtrt_id),
      rx_id: text(d.rx_id),
      vola_item_type: readItemTypeCode(d.vola_item_type) ?? '1',
      vola_amt: amountOf(d.vola_amt, 'output.result[].judge_result_detail_dtos[].vola_amt', unreadable) ?? 0,
    })),
    vola_amt: amount ?? 0,
    // An amount the gateway did not give, or gave in a form not read, is not computed: 0 would pass for a real 0.
    vola_amt_stas: amount === undefined || readAmountStatusCode(item.vola_amt_stas) === '0' ? '0' : '1',
    sev_deg: sevDeg,
    vola_evid: text(item.vola_evid),
    vola_bhvr_type: text(item.vola_bhvr_type),
    task_id: text(item.task_id),
    // rules.md default impact; the gateway does not say.
    wf_impact: WORKFLOW_IMPACTS.has(impact) ? (impact as WorkflowImpact) : sevDeg === '3' ? 'confirm' : 'reason',
    kp_id: text(item.kp_id),
  };
}

/** The amount, or undefined when none was sent or it cannot be read (then `field` is noted in `unreadable`). */
function amountOf(value: unknown, field: string, unreadable: Set<string>): number | undefined {
  const amount = parseGatewayAmount(value);
  if (amount.readable) return amount.value;
  if (amount.sent) unreadable.add(field);
  return undefined;
}

/** What mergeResults answers. */
export interface MergedResults {
  results: JudgeResultDto[];
  /**
   * [gateway jr_id, jr_id it is counted under], for each upstream result: a kept one under its upstreamReminderId
   * (a gateway gives a fresh jr_id on every call), a dropped duplicate under the answered result that already names
   * its first (rule, flagged line) pair. Recorded (upstream_links): reminders, prior decisions and the figures go
   * through them, and the doctor's 3103 goes back to the gateway under the gateway's own id.
   */
  links: [gatewayJrId: string, jrId: string][];
}

/**
 * Local results first; an upstream result is kept only if it names a (rule, flagged line) pair the local
 * answer does not already have.
 */
export function mergeResults(local: JudgeResultDto[], upstream: readonly JudgeResultDto[]): MergedResults {
  const links: MergedResults['links'] = [];
  if (upstream.length === 0) return { results: local, links };
  /** (rule, line) key → the jr_id of the answered result that names it first. */
  const seen = new Map<string, string>();
  // A line is known by its encounter, and the encounter by patn_id with mdtrt_id: a HIS that numbers visits (and
  // order lines) per patient sends patient A's and patient B's visit "1", line "1" in one 3102 batch.
  const keysOf = (r: JudgeResultDto): string[] => {
    const encounter = encounterKey(r);
    const flagged = (r.judge_result_detail_dtos ?? []).filter((d) => String(d.vola_item_type) === '1' && d.rx_id);
    return flagged.length > 0
      ? flagged.map((d) => `${r.rule_id}\u0000${encounter}\u0000line\u0000${d.rx_id}`)
      : [`${r.rule_id}\u0000${encounter}\u0000encounter`];
  };
  for (const r of local) for (const key of keysOf(r)) if (!seen.has(key)) seen.set(key, r.jr_id);
  const merged = local.slice();
  const ids = new Set(local.map((r) => r.jr_id));
  for (const r of upstream) {
    if (ids.has(r.jr_id)) continue;
    const keys = keysOf(r);
    if (keys.every((k) => seen.has(k))) {
      links.push([r.jr_id, seen.get(keys[0]!)!]);
      continue;
    }
    const counted = upstreamReminderId(r);
    links.push([r.jr_id, counted]);
    for (const k of keys) if (!seen.has(k)) seen.set(k, counted);
    ids.add(r.jr_id);
    merged.push(r);
  }
  return { results: merged, links };
}

/**
 * The jr_id a gateway's result is counted under: `UP` + the hash of encounter (patient and mdtrt_id), rule and sorted
 * flagged rx_ids (prealert's own are `JR` + a hash that also covers library and point, jr-id.ts). The gateway's jr_id
 * is "计算结果记录的唯一ID", fresh on every call, so counting under it made each re-analysis a new reminder.
 */
export function upstreamReminderId(r: JudgeResultDto): string {
  const rx = (r.judge_result_detail_dtos ?? [])
    .filter((d) => String(d.vola_item_type) === '1' && d.rx_id)
    .map((d) => d.rx_id)
    .sort();
  return `UP${stableHash(`${encounterKey(r)}\u0001${r.rule_id}\u0001${rx.join(',')}`)}`;
}

/**
 * The encounter of a gateway result as prealert's own jr_ids know it (jr-id.ts EncounterOfId): patn_id's length,
 * U+0003, patn_id, then mdtrt_id, so patient "1" with visit "23" is not patient "12" with visit "3".
 */
function encounterKey(r: JudgeResultDto): string {
  const patient = r.patn_id === undefined || r.patn_id === null ? '' : String(r.patn_id);
  return `${patient.length}\u0003${patient}${r.mdtrt_id ?? ''}`;
}

import {
  analyze,
  type EvaluatorConfig,
  errorEnvelope,
  errorList,
  type FieldError,
  formatFieldErrors,
  hasVisibleCharacter,
  type JudgeResultDto,
  quoteValue,
  type RequestEnvelope,
  type ResponseEnvelope,
  successEnvelope,
  validateAnalysisInput,
  validateFeedbackInput,
} from '@prealert/core';
import type { LibraryHolder } from '../library-holder';
import { type Logger, maskedAndCut, maskIdNumbers } from '../logging';
import { maskPhoneNumbers } from '../phone-numbers';
import type { SidecarMetrics } from '../sidecar-metrics';
import type { DispositionInput } from '../store/disposition-types';
import type { DispositionStore } from '../store/dispositions';
import type { ReasonNames } from '../store/reason-names';
import { recordedResult } from '../store/recorded-result';
import type { AnalysisRecord, AnalysisRecorder } from '../store/records';
import { maskPatientNames, maskPatientNamesInJson, patientIdsOf, patientNamesOf } from '../upstream/patient-names';
import { type MergedResults, mergeResults, type ProvincialGateway } from '../upstream/provincial-gateway';
import { fitAnswer } from './capacity-fit';
import { decidingOperator } from './deciding-operator';
import { fromHainan } from './hainan-variant';
import { lineDatesOf } from './line-dates';
import { lineNamesOf } from './line-names';
import { operatorTypeErrors } from './operator-type';
import { fitOutputLength, itemsByRxId } from './output-length-fit';
import { recordedTaskId } from './recorded-task-id';

/** dspo_way_rea's bound in the 3103 input schema. */
const MAX_REASON_LENGTH = 500;

/**
 * prealert's extension fields on a result the doctor already continued in this encounter (same jr_id): the HIS
 * can show it as settled instead of asking again. National clients ignore unknown fields.
 */
export interface PriorDispositionFields {
  dspo_way?: '1';
  dspo_way_rea?: string;
  prior_dspo?: true;
}

/**
 * prealert's extension fields on a result this encounter has not decided whose patient got a 继续执行 with a reason
 * on the same rule and point in an earlier encounter (another mdtrt_id) within 180 days: that reason and the day it
 * was given (YYYY-MM-DD, Asia/Shanghai), the latest such decision, for the HIS or widget to offer for reuse. Only a
 * suggestion: the result is still this visit's question (its own jr_id, no dspo_way, no prior_dspo).
 */
export interface PriorVisitFields {
  prior_visit_rea?: string;
  prior_visit_date?: string;
}
export type AnsweredResult = JudgeResultDto & PriorDispositionFields & PriorVisitFields;

export interface NationalCall {
  infno: string;
  envelope: RequestEnvelope;
  /** The request as JSON text, forwarded to the provincial gateway unchanged. */
  json: string;
  receivedAt: Date;
  /** performance.now() when the request arrived, for the recorded time taken. */
  startedAt: number;
  /**
   * The caller's charset and, when it declared one (X-Out-Capacity, the native shim), the size of its buffer: a
   * 3101/3102 answer is then fitted here, before it is recorded, so that only results the doctor is shown become
   * reminders. A result cut for space is never answered with 3103 and would stay pending in the figures for ever.
   */
  format?: { charset: string; capacity?: number };
}

export interface NationalAnswer {
  envelope: ResponseEnvelope;
  ok: boolean;
  taskId?: string;
  /** taskId with the patient's names and ID numbers masked, where it holds any: what the log may say. */
  loggedTaskId?: string;
  /** envelope.output.result already written as JSON, one string per result: the answer is put together from them. */
  resultJson?: readonly string[];
  /** The answer already fitted to the caller's buffer (NationalCall.format.capacity), as it goes out. */
  fittedText?: string;
  /** What was recorded of a 3101/3102 answer: marked undelivered if its client is gone before it is written. */
  record?: AnalysisRecord;
}

/** What 3101/3102 needs: the library, somewhere to record answers, and the doctor's earlier decisions. */
export interface NationalServiceDeps {
  holder: Pick<LibraryHolder, 'get' | 'loadError'>;
  recorder: Pick<AnalysisRecorder, 'enqueue'>;
  /** The doctor's earlier "continue" on a reminder (DispositionStore, or the analysis thread's copy of its set). */
  priorContinued: (jrId: string) => { reason: string } | undefined;
  /**
   * For a result not itself continued: an earlier continued jr_id of its rule and point in its encounter, answered
   * under the same library version, when those decisions cover every line it flags (ContinuedLines, on
   * DispositionStore or the analysis thread's copy).
   */
  coveredBy?: (result: JudgeResultDto, libraryVersion: string) => { jrId: string; reason: string } | undefined;
  /**
   * For a result not decided in its encounter: the patient's latest 继续执行 reason on its rule and point in another
   * encounter within 180 days before `now` (epoch ms) (EarlierVisitReasons, on DispositionStore or the analysis
   * thread's copy).
   */
  earlierVisit?: (result: JudgeResultDto, now: number) => { reason: string; date: string } | undefined;
  metrics: Pick<SidecarMetrics, 'ruleHit'>;
  logger: Pick<Logger, 'warn' | 'debug'>;
  admdvs: string;
  evaluator: Partial<EvaluatorConfig>;
  /** SidecarConfig.outputMaxChars: a longer 3101/3102 output is fitted to it (output-length-fit.ts); 0 or none = any. */
  outputMaxChars?: number;
  upstream?: ProvincialGateway;
  /** Whether the active library may still be used (PREALERT_SYNC_WHEN_STALE=refuse turns a stale one off). */
  staleness?: () => { serving: boolean; reason: string | null };
  /** The next response serial (inf_refmsgid), shared by every thread that answers. Default: this service's own. */
  nextSerial?: () => number;
  /** What 3103 needs. Without it, 3103 throws AnsweredElsewhere (the analysis thread hands it back). */
  feedback?: FeedbackDeps;
}

export interface FeedbackDeps {
  recorder: Pick<AnalysisRecorder, 'flush' | 'heldRecords'>;
  dispositions: Pick<DispositionStore, 'reminder' | 'record'>;
  /**
   * The patient names the answered reminders' requests carried (ReasonNames), masked in each reason. Without it a
   * name typed into a reason is kept as typed.
   */
  reasonNames?: Pick<ReasonNames, 'maskerFor'>;
  /** Called after dispositions were stored (the platform forwarder delivers them). */
  onDispositions?: () => void;
}

/**
 * Thrown for a 3103 naming a jr_id not in the database while 3101/3102 records are held unwritten (a full disk): the
 * jr_id may be among them, so the 3103 is answered as a failure inside the sidecar, which the SDK, the widget and
 * the shim keep and send again, not as a wrong jr_id, which they drop (the doctor's decision was lost).
 */
export class RecordsNotWritten extends Error {
  override name = 'RecordsNotWritten';
  constructor(readonly held: number) {
    super(`${held} 3101/3102 records are held unwritten (the records database refuses writes)`);
  }
}

/** Thrown for a call this service does not answer (3103 on the analysis thread): the request thread answers it. */
export class AnsweredElsewhere extends Error {
  constructor(readonly infno: string) {
    super(`${infno} is answered on the request thread`);
    this.name = 'AnsweredElsewhere';
  }
}

/** 3101/3102/3103 behind the HTTP routes: national envelope in, national envelope out, never a throw for bad input. */
export class NationalService {
  private readonly nextSerial: () => number;
  /** Unknown rule_ids are logged once per service: a HIS sends the same list with every call. */
  private unknownRuleIdsLogged = false;
  /** A reused mdtrt_id is logged once per service: a HIS that reuses its 住院号 does it for every readmission. */
  private reusedMdtrtIdLogged = false;

  constructor(private readonly deps: NationalServiceDeps) {
    let serial = 0;
    this.nextSerial = deps.nextSerial ?? (() => (serial = (serial + 1) % 1e10));
  }

  async handle(call: NationalCall): Promise<NationalAnswer> {
    switch (call.infno) {
      case '3101':
      case '3102':
        return this.analysis(call, call.infno);
      case '3103':
        if (!this.deps.feedback) throw new AnsweredElsewhere(call.infno);
        return this.feedback(call, this.deps.feedback);
    }
    const hainan = fromHainan(call.infno, call.envelope.input);
    if (hainan) {
      // The gateway is still sent the call as received (call.json): a Hainan HIS's upstream speaks 3660.
      return this.analysis(
        { ...call, envelope: { ...call.envelope, input: hainan.input } },
        hainan.infno,
        hainan.pathAsSent,
      );
    }
    return this.error(
      call,
      // Masked, then cut: cut first, an ID number's 17 digits would no longer be recognised. Quoted as JSON, so a
      // quote inside cannot end the value early for the log line's errorForLog.
      `infno ${JSON.stringify(maskedAndCut(call.infno, 20))} 不支持: 本服务只处理 3101、3102、3103（及海南 3660、3661）`,
    );
  }

  error(call: { receivedAt: Date; envelope?: RequestEnvelope | undefined }, message: string): NationalAnswer {
    return { ok: false, envelope: errorEnvelope(message, this.envelopeOptions(call)) };
  }

  private envelopeOptions(call: { receivedAt: Date; envelope?: RequestEnvelope | undefined }) {
    const area = call.envelope?.mdtrtarea_admvs;
    return {
      receivedAt: call.receivedAt,
      admdvs: typeof area === 'string' && /^\d{6}$/.test(area) ? area : this.deps.admdvs,
      serial: this.nextSerial(),
    };
  }

  /** `pathAsSent`: field errors' paths as the client wrote them, where it wrote a variant (hainan-variant.ts). */
  private async analysis(
    call: NationalCall,
    infno: '3101' | '3102',
    pathAsSent?: (path: string) => string,
  ): Promise<NationalAnswer> {
    const failed = (failure: { errors: FieldError[]; message: string }): NationalAnswer =>
      this.error(
        call,
        pathAsSent
          ? formatFieldErrors(failure.errors.map((e) => ({ ...e, path: pathAsSent(e.path) })))
          : failure.message,
      );
    const active = this.deps.holder.get();
    if (!active) {
      return this.error(
        call,
        `规则库未加载，暂不能分析${this.deps.holder.loadError ? `: ${this.deps.holder.loadError}` : ''}`,
      );
    }
    const staleness = this.deps.staleness?.();
    if (staleness && !staleness.serving) {
      return this.error(call, `规则库已过期，按配置暂停分析${staleness.reason ? `: ${staleness.reason}` : ''}`);
    }
    // The envelope's own fields and the input's are named in one answer: one round trip lists all that is wrong.
    const header = operatorTypeErrors(call.envelope);
    const input = validateAnalysisInput(call.envelope.input);
    if (!input.ok || header.length > 0) {
      const errors = [...header, ...(input.ok ? [] : input.errors)];
      return failed({ errors, message: formatFieldErrors(errors) });
    }
    // Asked before the local evaluation starts, so the two overlap.
    const upstream = this.deps.upstream?.analyze(call.json);
    const outcome = analyze(active.compiled, input.value, { infno, now: call.receivedAt, config: this.deps.evaluator });
    if (!outcome.ok) return failed(outcome);
    if (outcome.unknownRuleIds.length > 0 && !this.unknownRuleIdsLogged) {
      this.unknownRuleIdsLogged = true;
      // Ids only (the HIS's own text, masked and cut), no patient data: IT sees why its rule_ids select nothing.
      this.deps.logger.warn(
        {
          rule_ids: outcome.unknownRuleIds.slice(0, 10).map((id) => maskedAndCut(id, 40)),
          library_version: active.info.version,
        },
        'rule_ids name no rule of the active library and are ignored (logged once)',
      );
    }
    // Results echo the request's task_id (the spec's 原样返回); the record, and the client's way back to it, need one.
    const taskId = recordedTaskId(outcome.taskId, call.envelope.msgid);
    const names = patientNamesOf(input.value);
    // A HIS may build its task_id from the patient (「T-王秀英-身份证号」, 「ZY-<patn_id>」, the mobile number the desk
    // took): logged masked, stored keyed (records.ts). One masking for both, so the log and the record never disagree
    // on which task_ids name a patient.
    const maskedTaskId = maskPhoneNumbers(
      maskIdNumbers(maskPatientNames(taskId, [...names, ...patientIdsOf(input.value)])),
    );
    const loggedTaskId = maskedTaskId === taskId ? undefined : maskedTaskId;
    if (outcome.reusedMdtrtIds.length > 0 && !this.reusedMdtrtIdLogged) {
      this.reusedMdtrtIdLogged = true;
      // For IT, not the doctor: the HIS's mapping puts its 住院号 in mdtrt_id. Where (the fields' paths) and which call
      // (its task id, masked as the request log's), not the ids or dates themselves: no other log line shows them.
      this.deps.logger.warn(
        { task_id: maskedTaskId, fields: outcome.reusedMdtrtIds.slice(0, 10) },
        'one mdtrt_id was sent for two admissions of a patient (the HIS reuses its 住院号): each admission is read as an encounter of its own (logged once)',
      );
    }

    let results: AnsweredResult[] = outcome.output.result;
    let upstreamLinks: MergedResults['links'] | undefined;
    /**
     * The gateway's warnings could not be included (slow, down, refused): the list is incomplete, and a client that
     * took a gateway warning missing from it as resolved would report a 返回修改 that never happened. It is marked
     * as a list cut to fit is (output.truncated), which the SDK and the widget already read as "resolves nothing".
     */
    let incomplete = false;
    if (upstream) {
      const answer = await upstream;
      incomplete = !answer.ok;
      if (answer.ok) {
        const merged = mergeResults(results, answer.results);
        results = merged.results;
        if (merged.links.length > 0) upstreamLinks = merged.links;
        if (answer.notice !== undefined)
          this.deps.logger.warn(
            { task_id: maskedTaskId, upstream_err_msg: maskPatientNames(answer.notice, names) },
            'upstream gateway answered infcode 0 with a message',
          );
      }
      // Debug: the gateway's health logs the change (failing, recovered) once; a warning per call flooded the log.
      else
        this.deps.logger.debug(
          {
            task_id: maskedTaskId,
            upstream: answer.reason,
            detail: maskPatientNames(answer.detail, names),
          },
          'upstream gateway answer not used',
        );
    }
    // A gateway's result is counted (and decided on) under the jr_id it is linked to.
    const countedAs = upstreamLinks === undefined ? undefined : new Map(upstreamLinks);
    // jr_id → the continued jr_id whose decisions cover it: recorded, but counted in no figure (records.ts).
    let covered: Map<string, string> | undefined;
    // Results answered with an earlier visit's reason (prior_visit_rea), recorded without it (below).
    let hinted: Set<AnsweredResult> | undefined;
    for (const r of results) {
      this.deps.metrics.ruleHit(r.rule_id);
      if (r.wf_impact === 'block') continue;
      const linked = countedAs?.get(r.jr_id);
      const prior = this.deps.priorContinued(linked ?? r.jr_id);
      // A warning new only in how it groups lines already continued one by one (a settlement's 单日 pair over
      // days each continued under its own jr_id) was decided too: the desk is not asked again.
      const cover = prior || linked !== undefined ? undefined : this.deps.coveredBy?.(r, active.info.version);
      if (cover) {
        covered ??= new Map();
        covered.set(r.jr_id, cover.jrId);
      }
      const decision = prior ?? cover;
      if (decision) {
        r.dspo_way = '1';
        r.dspo_way_rea = decision.reason;
        r.prior_dspo = true;
        continue;
      }
      const earlier = this.deps.earlierVisit?.(r, call.receivedAt.getTime());
      if (earlier) {
        r.prior_visit_rea = earlier.reason;
        r.prior_visit_date = earlier.date;
        hinted ??= new Set();
        hinted.add(r);
      }
    }

    const output = incomplete
      ? { ...outcome.output, result: results, truncated: true }
      : { ...outcome.output, result: results };
    // The recorded task id goes out as a header (X-Prealert-Task-Id, from NationalAnswer.taskId), never in the body.
    const envelope = successEnvelope(output, this.envelopeOptions(call));
    // Each result is written as JSON once: the answer is put together from the same text the recorder gets.
    const resultJson = results.map((r) => JSON.stringify(r));
    const format = call.format;
    // The answer's copy is what gets shortened; the record (recordedJson below) keeps each result it carries whole.
    // A declared buffer (X-Out-Capacity, the shim) is the caller's own bound and replaces the spec's output size.
    const outputMax = this.deps.outputMaxChars ?? 0;
    const fitted =
      format?.capacity !== undefined
        ? fitAnswer(envelope, format.charset, format.capacity, resultJson)
        : outputMax > 0
          ? fitOutputLength(envelope, resultJson, outputMax, () => itemsByRxId(input.value))
          : undefined;
    // A success that no warning fitted became a failure: the HIS saw none, and a refused 3101 leaves no record, as
    // any other refused request (the fuzz test of the national route holds every answer to that).
    if (fitted?.refused)
      return { ok: false, envelope: JSON.parse(fitted.text) as ResponseEnvelope, fittedText: fitted.text };
    const shown = fitted?.kept ?? results.map((_, i) => i);
    // The gateway's texts may name the patient ("参保人王某某…"), and so may prealert's own: they quote the item and
    // diagnosis names as the HIS sent them (「阿帕他胺片 王秀英」). The HIS is answered with them as sent (its own
    // data, shown to the doctor at this workstation); the record holds them masked.
    // The recorded body is what was answered, except an earlier visit's reason: the dispositions hold it, and a copy
    // in this body would outlive the decision when retention prunes it (records-pruned-off-disk.test.ts).
    const recordedJson = (i: number): string =>
      maskPatientNamesInJson(
        hinted?.has(results[i]!) ? JSON.stringify(withoutPriorVisit(results[i]!)) : resultJson[i]!,
        names,
      );
    const shownResults = shown.map((i) => results[i]!);
    const record: AnalysisRecord = {
      taskId,
      ...(loggedTaskId === undefined ? {} : { taskIdNamesPatient: true }),
      infno,
      scenes: outcome.scenes,
      receivedAt: call.receivedAt,
      elapsedUs: (performance.now() - call.startedAt) * 1000,
      libraryVersion: active.info.version,
      results: shown.map((i) => recordedResult(results[i]!, recordedJson(i), covered?.get(results[i]!.jr_id))),
      findings: outcome.findings,
      encounters: outcome.encounters,
      upstreamLinks,
      lineNames: lineNamesOf(input.value, shownResults),
      lineDates: lineDatesOf(input.value, shownResults),
      ...(names.length === 0 ? {} : { patientNames: names }),
    };
    this.deps.recorder.enqueue(record);
    return { ok: true, envelope, taskId, loggedTaskId, resultJson, fittedText: fitted?.text, record };
  }

  private async feedback(call: NationalCall, deps: FeedbackDeps): Promise<NationalAnswer> {
    const input = validateFeedbackInput(call.envelope.input);
    if (!input.ok) return this.error(call, input.message);
    // 3101 answers are written in batches; the jr_ids this 3103 answers must be on disk before they are looked up.
    await deps.recorder.flush();
    // The flush returns also when the database refused the rows: those stay held, and their jr_ids are not unknown.
    const held = deps.recorder.heldRecords;
    let unknownWhileHeld = false;

    const { warns } = input.value.data;
    const maskNames = deps.reasonNames?.maskerFor(warns.map((warn) => warn.warn_rslt_id));
    // Masked as it arrives, whole (before anything cuts it): the reason is stored, sent to the 数据归集 platform and
    // the gateway, and answered back as prior_dspo. The patients' names the answered reminders' requests carried are
    // found by their recorded digests; an ID number and a phone number (who was called) by their shape, the ID number
    // first: its 18 digits are never cut into a phone number's 11.
    const reasonOf = (rea: string | undefined): string => {
      const typed = (rea ?? '').trim();
      const masked = maskPhoneNumbers(maskIdNumbers(maskNames === undefined ? typed : maskNames(typed)));
      // The mask is longer than most names: a reason typed to the 500 characters the interface allows would leave
      // here longer, and the gateway checks the same bound (spec: 前后端均校验 500 字).
      return masked.length > MAX_REASON_LENGTH && typed.length <= MAX_REASON_LENGTH
        ? masked.slice(0, MAX_REASON_LENGTH)
        : masked;
    };
    const decider = decidingOperator(call.envelope as unknown as Record<string, unknown>);
    const problems: string[] = operatorTypeErrors(call.envelope).map((e) => `${e.path}: ${e.message}`);
    if (!decider.ok) problems.push(...decider.problems);
    const decisions: DispositionInput[] = [];
    // warn_rslt_id → the index of its first entry in this call: one reminder answered twice must say one thing.
    const firstEntry = new Map<string, number>();
    warns.forEach((warn, i) => {
      const at = `input.data.warns[${i}]`;
      const reason = reasonOf(warn.dspo_way_rea);
      const earlier = firstEntry.get(warn.warn_rslt_id);
      if (earlier !== undefined) {
        // Two decisions on one reminder in one call: which one the doctor meant cannot be known, and storing the
        // last silently dropped the other. A repeat of the same decision is one decision.
        const e = warns[earlier]!;
        if (e.dspo_way !== warn.dspo_way || reasonOf(e.dspo_way_rea) !== reason) {
          problems.push(
            `${at}.warn_rslt_id: ${quoteValue(warn.warn_rslt_id)} 在 warns[${earlier}] 已有不同的处理(dspo_way ${e.dspo_way} / ${warn.dspo_way})，同一提醒只能有一个处理`,
          );
        }
        return;
      }
      firstEntry.set(warn.warn_rslt_id, i);
      const reminder = deps.dispositions.reminder(warn.warn_rslt_id);
      if (!reminder) {
        if (held > 0) unknownWhileHeld = true;
        problems.push(
          `${at}.warn_rslt_id: 未知的提醒结果ID ${quoteValue(warn.warn_rslt_id)}，不是本机 3101/3102 返回的 jr_id`,
        );
      } else if (warn.dspo_way === '1' && reminder.impact === 'block') {
        problems.push(`${at}.dspo_way: 规则 ${reminder.ruleId}（${reminder.ruleName}）禁止继续执行，只能返回修改(2)`);
      } else if (warn.dspo_way === '1' && reminder.impact === 'reason' && !hasVisibleCharacter(reason)) {
        problems.push(`${at}.dspo_way_rea: 继续执行(dspo_way=1)须填写理由`);
      } else {
        // warn_type is stored as the reminder's own (spec §4.1: 3101 的结果回 1，3102 的结果回 2), whatever the call
        // says: a HIS that sends one warn_type for every 3103 is not refused (a reminder system must not block the
        // doctor), and the figures and the platform still get the scene the reminder was given in.
        const warnType = reminder.infno === '3102' ? '2' : '1';
        decisions.push({ jrId: warn.warn_rslt_id, way: warn.dspo_way, reason, warnType });
      }
    });
    if (unknownWhileHeld) throw new RecordsNotWritten(held);
    // All or nothing: a rejected 3103 stores none of its decisions.
    if (problems.length > 0) return this.error(call, errorList('反馈校验失败: ', problems));

    // The decisions on the gateway's results go back to it with the HIS's own envelope header.
    const { input: _input, ...header } = call.envelope;
    const outcome = deps.dispositions.record(
      decisions,
      call.receivedAt,
      this.deps.upstream ? header : undefined,
      decider.ok ? decider.value : undefined,
      maskNames,
    );
    if (outcome.changed > 0 || outcome.queuedUpstream) deps.onDispositions?.();
    return { ok: true, envelope: successEnvelope({}, this.envelopeOptions(call)) };
  }
}

/** The result as recorded: without the earlier visit's reason and day it was answered with. */
function withoutPriorVisit(result: AnsweredResult): AnsweredResult {
  const { prior_visit_rea: _reason, prior_visit_date: _date, ...recorded } = result;
  return recorded;
}

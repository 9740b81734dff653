import { doubleEntryWithout, isDoubleEntry } from '../checks/data-quality';
import type { CheckContext, Hit } from '../checks/hit';
import { POINT_CHECKS, RULE_CHECKS } from '../checks/registry';
import { checkTcmSinglePrescriptions } from '../checks/tcm';
import type { AnalysisInput, AnalysisOutput } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import { formatFieldErrors } from '../envelope/validate';
import type { CompiledLibrary, PointEntry } from '../library/compile';
import type { Rule } from '../library/model';
import { type LocalTime, localTimeOf } from '../normalize/dates';
import { type Line, type NormalizedRequest, normalizeAnalysis } from '../normalize/request';
import { parseScenes, sceneMask } from '../normalize/scenes';
import { type EvaluatorConfig, resolveConfig } from './config';
import { effectiveRule } from './effective-rules';
import type { Finding } from './finding';
import { toFinding } from './finding-from-hit';
import { toJudgeResult } from './judge-result';

export { toJudgeResult } from './judge-result';

export interface AnalyzeOptions {
  infno: '3101' | '3102';
  /** The request time; also the fallback date of lines without one. */
  now: Date;
  config?: Partial<EvaluatorConfig> | EvaluatorConfig;
}

export interface EncounterSummary {
  patientId: string;
  encounterId: string;
  deptCode: string;
  doctorCode: string;
  medType: string;
}

export type AnalyzeOutcome =
  | {
      ok: true;
      output: AnalysisOutput;
      findings: Finding[];
      taskId: string;
      scenes: number[];
      encounters: EncounterSummary[];
      /** rule_ids the library has no rule for, set aside (ruleFilterOf); the sidecar tells IT once. */
      unknownRuleIds: string[];
      /**
       * The paths of mdtrt_ids sent again for a later admission (NormalizedRequest.reusedMdtrtIds): each admission is
       * read as its own encounter, and the sidecar tells IT once that its HIS reuses the id.
       */
      reusedMdtrtIds: string[];
    }
  | { ok: false; errors: FieldError[]; message: string };

const resolved = new WeakMap<object, EvaluatorConfig>();
function configOf(partial: AnalyzeOptions['config']): EvaluatorConfig {
  if (!partial) return resolveConfig();
  let config = resolved.get(partial);
  if (!config) {
    config = resolveConfig(partial);
    resolved.set(partial, config);
  }
  return config;
}

interface Match {
  entry: PointEntry;
  lines: Line[];
}

/**
 * What the rules of one request run under. Evaluation is synchronous, so one module-level instance serves every
 * call (set at the start of evaluate); the helpers below read it instead of closing over per-call locals, which
 * would allocate two closures per request (and, under tsx, name each one through Object.defineProperty).
 */
const runState: {
  config: EvaluatorConfig;
  scenes: number;
  ruleFilter: Set<string> | undefined;
  /** Per rule slot (PointEntry.ruleSlot): 0 not yet asked in this request, 1 runs, 2 does not. */
  ruleRuns: Uint8Array;
} = {
  config: resolveConfig(),
  scenes: 0,
  ruleFilter: undefined,
  ruleRuns: new Uint8Array(128),
};

/**
 * The rules a request's rule_ids keep running. rule_ids is the alternative to trig_scen (3101-3103.md §2.2, 二选一，
 * 优先填 trig_scen), and HIS send ids of their own or of another library ("R01"): those name nothing here and are
 * set aside (`unknown`). If none of the ids is a rule of the library, the request is evaluated as if rule_ids were
 * absent, rather than with every check switched off and an empty, clean-looking answer.
 */
export function ruleFilterOf(
  library: CompiledLibrary,
  ruleIds: readonly string[],
): { filter: Set<string> | undefined; unknown: string[] } {
  if (ruleIds.length === 0) return { filter: undefined, unknown: [] };
  const known = new Set<string>();
  const unknown: string[] = [];
  for (const id of ruleIds) {
    if (library.rule(id) !== undefined) known.add(id);
    else if (!unknown.includes(id)) unknown.push(id);
  }
  return { filter: known.size > 0 ? known : undefined, unknown };
}

function runs(rule: Rule): boolean {
  const e = effectiveRule(rule, runState.config);
  return e.enabled && (e.scenes & runState.scenes) !== 0 && (!runState.ruleFilter || runState.ruleFilter.has(rule.id));
}

/** runs() for a point's rule, asked once per rule and request: a request's lines meet few rules, many times. */
function entryRuns(entry: PointEntry): boolean {
  const known = runState.ruleRuns[entry.ruleSlot];
  if (known !== 0) return known === 1;
  const yes = runs(entry.rule);
  runState.ruleRuns[entry.ruleSlot] = yes ? 1 : 2;
  return yes;
}

/** Draws the stamp that tells one patient's matches from every earlier one's (PointEntry.matchStamp). */
let lastMatchStamp = 0;

/**
 * The lines of one patient matched to the points that name their codes, in the order the points were first met.
 * A point's match is found through the point's own scratch fields (PointEntry.matchStamp/matchIndex), stamped with
 * this patient's number: no Map and no search, however many points a request meets.
 */
class PatientMatches {
  readonly list: Match[] = [];
  private readonly stamp: number;
  tcmSingle: Map<Line, PointEntry> | undefined = undefined;
  surgeryGroups: Map<string, Line[]> | undefined = undefined;

  constructor() {
    // Never wraps: a double counts exactly to 2^53, and a stamp drawn twice could match a point's stale one.
    this.stamp = ++lastMatchStamp;
  }

  add(entry: PointEntry, line: Line): void {
    if (line.beginDay < entry.fromDay || line.beginDay > entry.toDay || !entryRuns(entry)) return;
    const limit = entry.kp.limit;
    if (limit.kind === 'tcm_single_not_paid') {
      if (line.current) {
        this.tcmSingle ??= new Map();
        this.tcmSingle.set(line, entry);
      }
      return;
    }
    if (limit.kind === 'same_incision_group') {
      this.surgeryGroups ??= new Map();
      const group = this.surgeryGroups.get(limit.group);
      if (group) group.push(line);
      else this.surgeryGroups.set(limit.group, [line]);
    }
    if (entry.matchStamp === this.stamp) {
      this.list[entry.matchIndex]!.lines.push(line);
      return;
    }
    entry.matchStamp = this.stamp;
    entry.matchIndex = this.list.length;
    this.list.push({ entry, lines: [line] });
  }
}

function hasCurrentLine(lines: readonly Line[]): boolean {
  for (let i = 0; i < lines.length; i++) if (lines[i]!.current) return true;
  return false;
}

/** Evaluates a normalised request. Cost: one index lookup per order line, plus the checks of the points that match. */
export function evaluate(
  library: CompiledLibrary,
  request: NormalizedRequest,
  scenes: readonly number[],
  config: EvaluatorConfig,
  now: LocalTime,
): Finding[] {
  runState.config = config;
  runState.scenes = sceneMask(scenes);
  runState.ruleFilter = ruleFilterOf(library, request.ruleIds).filter;
  if (runState.ruleRuns.length < library.ruleCount) runState.ruleRuns = new Uint8Array(library.ruleCount * 2);
  else runState.ruleRuns.fill(0, 0, library.ruleCount);
  const ctx: CheckContext = { config, library, now, surgeryFlagged: undefined };
  const findings: Finding[] = [];

  for (const patient of request.patients) {
    let current = false;
    for (const e of patient.encounters) if (e.hasCurrent) current = true;
    if (!current) continue;
    const patientFrom = findings.length;
    const matches = new PatientMatches();
    const lines = patient.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const found = library.lookupHashed(line.code, line.codeHash);
      if (found === undefined) continue;
      if (Array.isArray(found)) for (const entry of found) matches.add(entry, line);
      else matches.add(found, line);
    }

    ctx.surgeryFlagged = matches.surgeryGroups ? new Set() : undefined;
    for (const { entry, lines } of matches.list) {
      const limit = entry.kp.limit;
      const check = POINT_CHECKS[limit.kind];
      if (!check) continue;
      let input: readonly Line[] = lines;
      if (limit.kind === 'same_incision_group') input = matches.surgeryGroups?.get(limit.group) ?? lines;
      else if (!hasCurrentLine(lines)) continue;
      const hits = check(entry, input, ctx);
      if (hits) for (const hit of hits) findings.push(toFinding(library, entry.rule, entry, hit, config));
    }
    if (matches.tcmSingle) {
      for (const { entry, hit } of checkTcmSinglePrescriptions(patient, matches.tcmSingle)) {
        findings.push(toFinding(library, entry.rule, entry, hit, config));
      }
    }
    for (const { rule } of library.ruleLevel) {
      if (!runs(rule)) continue;
      const hits = RULE_CHECKS[rule.kind]?.(rule, patient, ctx);
      if (!hits) continue;
      for (const raw of hits) {
        const hit =
          rule.kind === 'data_quality' && isDoubleEntry(raw) ? uncountedDoubleEntry(raw, findings, patientFrom) : raw;
        if (hit) findings.push(toFinding(library, rule, undefined, hit, config));
      }
    }
  }
  if (findings.length > 1) {
    dropRestatedIndications(findings);
    findings.sort(byOutputOrder);
    dropRepeatedJrIds(findings);
  }
  return findings;
}

/** Whether `other` flags (违规项) every line `f` flags, in the same encounter. */
function flagsAllOf(other: Finding, f: Finding): boolean {
  if (other.encounterId !== f.encounterId || other.patientId !== f.patientId) return false;
  for (const l of f.lines) {
    if (l.itemType !== 1) continue;
    if (!other.lines.some((o) => o.itemType === 1 && o.rxId === l.rxId)) return false;
  }
  return true;
}

/**
 * A text-only indication reminder restates a fact another finding of the request already shows: the sex limit of
 * 艾地骨化醇软胶囊 and the second-line card of 艾普拉唑肠溶片 quote the very text the indication reminder asks to
 * confirm, on the same line, so the doctor met one fact on two cards (audit A3). Such a reminder is dropped when
 * another finding flags all its lines with the identical basis (vola_evid, trimmed); the stronger card shows the text.
 * Nothing else is dropped, and a basis that differs at all keeps both.
 */
function dropRestatedIndications(findings: Finding[]): void {
  let kept = 0;
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!;
    if (f.textOnlyIndication && restated(findings, f)) continue;
    findings[kept++] = f;
  }
  findings.length = kept;
}

function restated(findings: readonly Finding[], f: Finding): boolean {
  const basis = f.evidence.trim();
  if (basis === '') return false;
  for (const other of findings) {
    if (other !== f && !other.textOnlyIndication && other.evidence.trim() === basis && flagsAllOf(other, f)) {
      return true;
    }
  }
  return false;
}

/**
 * A line entered twice of an item with a frequency limit (住院诊查费 1/日 sent twice at 09:00) breaks the limit too:
 * the 限定频次 card flags the same line, with its amount and a reason to give, and the 数据质量 card said the same
 * thing again at a lower severity. A doubled line some frequency finding of the encounter flags is left out of the
 * double entry; what no frequency card covers (another line, an item without a frequency limit) is still said, and
 * the double entry goes when nothing is left. The patient's point findings are `findings` from `from` on.
 */
function uncountedDoubleEntry(hit: Hit, findings: readonly Finding[], from: number): Hit | undefined {
  const encounterId = hit.encounter.id;
  return doubleEntryWithout(hit, (line) => {
    for (let i = from; i < findings.length; i++) {
      const other = findings[i]!;
      if (other.frequency !== true || other.encounterId !== encounterId) continue;
      if (other.lines.some((o) => o.itemType === 1 && o.rxId === line.rxId)) return true;
    }
    return false;
  });
}

/** Output order: severity, then rule, then jr_id. */
function byOutputOrder(a: Finding, b: Finding): number {
  return (
    a.severity - b.severity ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.jrId < b.jrId ? -1 : a.jrId > b.jrId ? 1 : 0)
  );
}

/**
 * One result per jr_id (违规标识, the id a 3103 answers): a request that lists one encounter twice (in one patient,
 * or the patient twice) gives the same finding once per copy, under the same jr_id, since the id is made of the
 * rule, point, encounter and flagged rx_ids. Sorted, such findings are adjacent; the first is kept.
 */
function dropRepeatedJrIds(findings: Finding[]): void {
  let kept = 1;
  for (let i = 1; i < findings.length; i++) {
    const f = findings[i]!;
    if (f.jrId !== findings[kept - 1]!.jrId) findings[kept++] = f;
  }
  findings.length = kept;
}

/** 3101/3102 end to end on a validated input: scenes, normalisation, evaluation, national output. */
export function analyze(library: CompiledLibrary, input: AnalysisInput, options: AnalyzeOptions): AnalyzeOutcome {
  const scenes = parseScenes(input.data.trig_scen, options.infno);
  const now = localTimeOf(options.now);
  const normalized = normalizeAnalysis(input, now, options.infno);
  // A bad trig_scen and bad dates are reported together: the caller fixes everything in one round trip.
  if (!Array.isArray(scenes) || !normalized.ok) {
    const errors = [...(Array.isArray(scenes) ? [] : [scenes]), ...(normalized.ok ? [] : normalized.errors)];
    return { ok: false, errors, message: formatFieldErrors(errors) };
  }
  const request = normalized.request;
  const findings = evaluate(library, request, scenes, configOf(options.config), now);
  const taskId = request.taskId;
  const result = findings.map((f) => toJudgeResult(f, taskId));
  const encounters: EncounterSummary[] = [];
  for (const p of request.patients) {
    for (const e of p.encounters) {
      if (e.hasCurrent) {
        encounters.push({
          patientId: p.id,
          encounterId: e.id,
          deptCode: e.deptCode,
          doctorCode: e.doctorCode,
          medType: e.medType,
        });
      }
    }
  }
  const unknownRuleIds = ruleFilterOf(library, request.ruleIds).unknown;
  const reusedMdtrtIds = request.reusedMdtrtIds;
  return { ok: true, output: { result }, findings, taskId, scenes, encounters, unknownRuleIds, reusedMdtrtIds };
}

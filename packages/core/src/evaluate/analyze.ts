import { isDoubleEntry } from '../checks/data-quality';
import type { CheckContext } from '../checks/hit';
import { POINT_CHECKS, RULE_CHECKS } from '../checks/registry';
import { checkTcmSinglePrescriptions } from '../checks/tcm';
import type { AnalysisInput, AnalysisOutput } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import { formatFieldErrors } from '../envelope/validate';
import type { CompiledLibrary } from '../library/compile';
import { type LocalTime, localTimeOf } from '../normalize/dates';
import { type Line, type NormalizedRequest, normalizeAnalysis } from '../normalize/request';
import { parseScenes, sceneMask } from '../normalize/scenes';
import { type EvaluatorConfig, resolveConfig } from './config';
import type { Finding } from './finding';
import { byOutputOrder, dropRepeatedJrIds, dropRestatedIndications, uncountedDoubleEntry } from './finding-cleanup';
import { toFinding } from './finding-from-hit';
import { toJudgeResult } from './judge-result';
import { hasCurrentLine, PatientMatches } from './patient-matches';
import { ruleFilterOf, runState, runs } from './run-state';

export { toJudgeResult } from './judge-result';
export { ruleFilterOf } from './run-state';

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

import type { AnalysisInput, AnalysisOutput } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import { formatFieldErrors } from '../envelope/validate';
import type { CompiledLibrary } from '../library/compile';
import { localTimeOf } from '../normalize/dates';
import { normalizeAnalysis } from '../normalize/request';
import { parseScenes } from '../normalize/scenes';
import { type EvaluatorConfig, resolveConfig } from './config';
import { evaluate } from './evaluate-request';
import type { Finding } from './finding';
import { toJudgeResult } from './judge-result';
import { ruleFilterOf } from './run-state';

export { evaluate } from './evaluate-request';
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

import type { CompiledLibrary, PointEntry } from '../library/compile';
import type { Rule } from '../library/model';
import { type EvaluatorConfig, resolveConfig } from './config';
import { effectiveRule } from './effective-rules';

/*
 * Which rules run in the request being evaluated: the workstation's settings, the request's scenes and its rule_ids.
 * Apart from the loop so the match table and the rule-level pass ask it the same way.
 */

/**
 * What the rules of one request run under. Evaluation is synchronous, so one module-level instance serves every
 * call (set at the start of evaluate, evaluate-request.ts); the helpers below read it instead of closing over per-call locals, which
 * would allocate two closures per request (and, under tsx, name each one through Object.defineProperty).
 */
export const runState: {
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

export function runs(rule: Rule): boolean {
  const e = effectiveRule(rule, runState.config);
  return e.enabled && (e.scenes & runState.scenes) !== 0 && (!runState.ruleFilter || runState.ruleFilter.has(rule.id));
}

/** runs() for a point's rule, asked once per rule and request: a request's lines meet few rules, many times. */
export function entryRuns(entry: PointEntry): boolean {
  const known = runState.ruleRuns[entry.ruleSlot];
  if (known !== 0) return known === 1;
  const yes = runs(entry.rule);
  runState.ruleRuns[entry.ruleSlot] = yes ? 1 : 2;
  return yes;
}

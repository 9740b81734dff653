import type { Severity, WorkflowImpact } from '../envelope/national-types';
import type { Rule } from '../library/model';
import { sceneMask } from '../normalize/scenes';
import type { EvaluatorConfig } from './config';

/** A rule as it runs on this workstation: library defaults with the local overrides applied. */
export interface EffectiveRule {
  enabled: boolean;
  severity: Severity;
  impact: WorkflowImpact;
  scenes: number;
  /** The workstation's override of the rule, if any (read once per rule and config, like the rest). */
  override: EvaluatorConfig['ruleOverrides'][string] | undefined;
}

const cache = new WeakMap<EvaluatorConfig, Map<Rule, EffectiveRule>>();

/** Overrides are few and static per config object, so each rule is resolved once per config, not per request. */
// A workstation evaluates with one config: remembering the last one skips the WeakMap on every call.
let lastConfig: EvaluatorConfig | undefined;
let lastPerConfig: Map<Rule, EffectiveRule> | undefined;

export function effectiveRule(rule: Rule, config: EvaluatorConfig): EffectiveRule {
  let perConfig = config === lastConfig ? lastPerConfig : cache.get(config);
  if (!perConfig) {
    perConfig = new Map();
    cache.set(config, perConfig);
  }
  lastConfig = config;
  lastPerConfig = perConfig;
  let effective = perConfig.get(rule);
  if (!effective) {
    const o = config.ruleOverrides[rule.id];
    effective = {
      enabled: o?.enabled ?? rule.enabled,
      severity: o?.severity ?? rule.severity,
      impact: o?.impact ?? rule.impact,
      scenes: sceneMask(o?.scenes ?? rule.scenes),
      override: o,
    };
    perConfig.set(rule, effective);
  }
  return effective;
}

/**
 * Override ids that name no rule of `rules`, in the order the config gives them. The config is checked before any
 * library is loaded and the library changes under it, so an id typed one digit short cannot be refused at start:
 * the caller says so against each library it activates, or the override silently changes nothing.
 */
export function unknownRuleOverrides(
  overrides: Readonly<Record<string, unknown>> | undefined,
  rules: readonly Pick<Rule, 'id'>[],
): string[] {
  if (!overrides) return [];
  const known = new Set(rules.map((rule) => rule.id));
  return Object.keys(overrides).filter((id) => !known.has(id));
}

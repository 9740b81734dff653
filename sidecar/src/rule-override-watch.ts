import { type EvaluatorConfig, unknownRuleOverrides } from '@prealert/core';
import type { LibraryHolder } from './library-holder';
import type { Logger } from './logging';

/**
 * Keeps track of `evaluator.ruleOverrides` ids that name no rule of the active library (an id typed one digit
 * short, or a rule a new library dropped): such an override changes nothing. Refusing to start would be wrong (the
 * config is checked before a library is loaded, and the library changes under it), so each library that becomes
 * active is checked, a warn line names the ids, and status shows them. Registered before the first library loads.
 */
export function watchRuleOverrides(
  holder: LibraryHolder,
  evaluator: Partial<EvaluatorConfig>,
  logger: Logger,
): { unknown: () => string[]; stop: () => void } {
  let unknown: string[] = [];
  const check = (rules: Parameters<typeof unknownRuleOverrides>[1], version: string) => {
    unknown = unknownRuleOverrides(evaluator.ruleOverrides, rules);
    if (unknown.length === 0) return;
    logger.warn(
      { unknown_rule_overrides: unknown, library: version },
      `evaluator.ruleOverrides names no rule of library ${version}, so these overrides change nothing: ${unknown.join(', ')}`,
    );
  };
  const active = holder.get();
  if (active) check(active.compiled.rules(), active.info.version);
  const stop = holder.onSwap((next) => check(next.compiled.rules(), next.info.version));
  return { unknown: () => [...unknown], stop };
}

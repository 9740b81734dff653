import { editDistance } from './edit-distance';
import { type FrameworkRule, localRuleId } from './rule-catalogue';

/**
 * Why a local row's `gz_code` cannot stand for its `rule_name`, or undefined when it can. A code outside the 79 rules
 * of framework 1.0 made a rule of its own that borrowed the real rule's name: its reminders carried a rule id NHSA
 * does not have, the 医保办's figures by rule showed two rows of one name, and overrides of the real rule missed it.
 * A framework code of another rule would file the row under that rule. The message names the code the rule_name has,
 * or else the framework codes nearest the one typed.
 */
export function localRuleCodeProblem(
  gzCode: string,
  ruleName: string,
  framework: ReadonlyMap<string, FrameworkRule>,
): string | undefined {
  const byName = frameworkRuleNamed(ruleName, framework);
  const own = framework.get(gzCode);
  if (own && own.name === ruleName) return undefined;
  if (own) {
    const fix = byName
      ? `「${ruleName}」的规则编码为 ${byName.code}`
      : `rule_name 应写作「${own.name}」；本院自定的规则请把 gz_code 留空`;
    return `规则编码 ${gzCode} 在规则框架中是「${own.name}」，与 rule_name「${ruleName}」不符：${fix}`;
  }
  const hint = byName
    ? `「${ruleName}」的规则编码为 ${byName.code}`
    : localRuleId(ruleName) !== undefined
      ? `「${ruleName}」在规则框架中没有编码，gz_code 请留空`
      : `最接近的框架编码：${[...framework.values()]
          .map((r) => ({ r, d: editDistance(gzCode, r.code, 'two edits') }))
          .sort((a, b) => a.d - b.d)
          .slice(0, 3)
          .map(({ r }) => `${r.code}（${r.name}）`)
          .join('、')}；本院自定的规则请把 gz_code 留空`;
  return `规则编码 ${JSON.stringify(gzCode)} 不在国家规则框架 1.0 的 ${framework.size} 条规则中：${hint}`;
}

/** The framework rule named exactly `ruleName`, if any. */
export function frameworkRuleNamed(
  ruleName: string,
  framework: ReadonlyMap<string, FrameworkRule>,
): FrameworkRule | undefined {
  for (const r of framework.values()) if (r.name === ruleName) return r;
  return undefined;
}

import type { CheckKind, Rule, RuleClass, Severity, WorkflowImpact } from '@prealert/core';

/** One entry of the national rule-library framework 1.0 (rule_framework_1_0.json). */
export interface FrameworkRule {
  code: string;
  tier1: string;
  tier2: string;
  name: string;
  definition?: string;
}

const ALL = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const IN_STAGE = [6, 7, 8, 9, 10];

/** Default severities (rules.md): 政策限定类 → 明确违规 (1), 合理使用类 → 可疑 (2/3). */
export const DEFAULT_SEVERITY: Record<CheckKind, Severity> = {
  sex: 2,
  age_group: 2,
  age_range: 1,
  insurance_type: 1,
  visit_type: 1,
  min_hospital_level: 1,
  max_pay_days: 1,
  max_qty_per_period: 1,
  max_qty_per_n_days: 2,
  time_window: 1,
  same_incision_group: 2,
  tcm_not_paid: 1,
  tcm_single_not_paid: 1,
  internet_visit: 1,
  indication: 2,
  dept_limit: 2,
  doctor_title_limit: 2,
  drug_class_duplicate: 3,
  max_items_per_rx: 3,
  second_line: 2,
  data_quality: 3,
};

export function defaultImpact(severity: Severity): WorkflowImpact {
  return severity === 3 ? 'confirm' : 'reason';
}

export function defaultScenes(kind: CheckKind): number[] {
  // Surgery discounts need charged amounts, which exist only from 事中 on.
  return kind === 'same_incision_group' ? [...IN_STAGE] : [...ALL];
}

/**
 * Published points whose rule the 1.0 framework has no code for (药品限就医方式 and others added after 2023) get a
 * local, clearly non-official id so nobody mistakes it for a GZ code.
 */
export const LOCAL_RULE_IDS: Record<string, string> = {
  药品限就医方式: 'PA-DRUG-VISIT-TYPE',
  医疗服务项目周期超频次: 'PA-SVC-QTY-PER-N-DAYS',
  医疗服务项目限年龄: 'PA-SVC-AGE-RANGE',
  超互联网医院药品支付范围: 'PA-DRUG-INTERNET-VISIT',
};

/**
 * The local id of a rule the framework has no code for, or undefined. Own keys only: a CSV's rule_name is free text,
 * and `constructor` or `__proto__` read from a plain object found Object's own members, so `bundle build` stopped on
 * "$.id: a function has no JSON form" naming no row.
 */
export function localRuleId(ruleName: string): string | undefined {
  return Object.hasOwn(LOCAL_RULE_IDS, ruleName) ? LOCAL_RULE_IDS[ruleName] : undefined;
}

const CLASS_BY_PREFIX: Record<string, RuleClass> = { '1': '政策类', '2': '管理类', '3': '医疗类' };

/** The rule class from the official code (GZ1 0000 X…): the 6th digit group names the tier. */
export function ruleClassOf(code: string | null | undefined, framework: ReadonlyMap<string, FrameworkRule>): RuleClass {
  const fw = code ? framework.get(code) : undefined;
  if (fw && (fw.tier1 === '政策类' || fw.tier1 === '管理类' || fw.tier1 === '医疗类')) return fw.tier1;
  return (code && CLASS_BY_PREFIX[code.charAt(7)]) || '政策类';
}

/** 药品限儿童使用 is a 政策类 rule: 明确违规 rather than 可疑 (rules.md, age_group). */
export function defaultSeverityOf(ruleId: string, kind: CheckKind): Severity {
  return ruleId === 'GZ10000101007000' ? 1 : DEFAULT_SEVERITY[kind];
}

export function makeRule(input: {
  id: string;
  name: string;
  kind: CheckKind;
  ruleClass: RuleClass;
  severity?: Severity;
  params?: Record<string, unknown>;
}): Rule {
  const severity = input.severity ?? defaultSeverityOf(input.id, input.kind);
  const rule: Rule = {
    id: input.id,
    name: input.name,
    ruleClass: input.ruleClass,
    kind: input.kind,
    severity,
    impact: defaultImpact(severity),
    scenes: defaultScenes(input.kind),
    enabled: true,
  };
  if (input.params) rule.params = input.params;
  return rule;
}

/**
 * Rules that run without knowledge points (seed catalogue). They ship enabled with gentle severities so a new install
 * reminds about data quality and prescription size; a hospital can switch them off in its config.
 */
export function seedRules(framework: ReadonlyMap<string, FrameworkRule>): Rule[] {
  const named = (code: string, fallback: string) => framework.get(code)?.name ?? fallback;
  return [
    makeRule({
      id: 'GZ10000201002000',
      name: named('GZ10000201002000', '结算明细信息异常'),
      kind: 'data_quality',
      ruleClass: '管理类',
    }),
    makeRule({
      id: 'GZ10000202004000',
      name: named('GZ10000202004000', '药品种类超标'),
      kind: 'max_items_per_rx',
      ruleClass: '管理类',
      params: { max: 5 },
    }),
    makeRule({
      id: 'GZ10000301006000',
      name: named('GZ10000301006000', '重复开药'),
      kind: 'drug_class_duplicate',
      ruleClass: '医疗类',
    }),
  ];
}

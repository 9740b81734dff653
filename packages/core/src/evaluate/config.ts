import type { Severity, WorkflowImpact } from '../envelope/national-types';

/** Workstation / province settings the evaluator takes. Every field has the default rules.md gives. */
export interface EvaluatorConfig {
  /** Ceilings of the published age groups. 新生儿 ≤ 28 days, 婴幼儿 < 3 years, 儿童 ≤ 14 full years. */
  ageCeilings: { neonateMaxDays: number; infantBelowYears: number; childMaxYears: number };
  /** 法定就业年龄, inclusive. */
  employmentAge: { minYears: number; maxYears: number };
  /** insutype codes that meet 生育 (any med_type starting with 5 also does) and 工伤. */
  insurance: { maternityInsutypes: string[]; workInjuryInsutypes: string[] };
  /** The hospital's level from the workstation's configuration (wins over medins_lv). */
  hospitalLevel?: 1 | 2 | 3;
  /** medins_lv code → level (1 一级, 2 二级, 3 三级). */
  medinsLevelMap: Record<string, 1 | 2 | 3>;
  /**
   * The specialties this hospital is a 专科医院 of (["眼科"] for an eye hospital). A level limit whose basis admits
   * such a hospital from a lower level (需三级医院眼科或二级及以上眼科专科医院医师处方) is then met at that level; the
   * request cannot tell, so without it the point asks the doctor to confirm.
   */
  specialtyHospital: string[];
  /** What identifies an internet-hospital visit. */
  internetVisit: { medTypes: string[]; deptCodes: string[]; medinsCodes: string[] };
  /**
   * Pay-days limits that count one episode (新发 / 发作 / 一个疾病过程, Limit `count: 'episode'`): the episode is the
   * run of days of use not broken by more than `episodeGapDays` days in a row without use. A stroke drug (started
   * within 48 hours of onset, given daily for 14–21 days) or a rehabilitation course (sessions daily or weekly) that
   * has not been used for over a month is not being continued: a new use starts a new episode.
   */
  payDays: { episodeGapDays: number };
  /** Per-rule overrides (三道防线: a gentler 事前 subset, local severities). */
  ruleOverrides: Record<
    string,
    Partial<{ enabled: boolean; severity: Severity; impact: WorkflowImpact; scenes: number[] }>
  >;
}

export const DEFAULT_EVALUATOR_CONFIG: EvaluatorConfig = {
  ageCeilings: { neonateMaxDays: 28, infantBelowYears: 3, childMaxYears: 14 },
  employmentAge: { minYears: 16, maxYears: 60 },
  insurance: { maternityInsutypes: ['510'], workInjuryInsutypes: [] },
  medinsLevelMap: {
    '1': 1,
    '01': 1,
    '11': 1,
    '12': 1,
    '13': 1,
    '2': 2,
    '02': 2,
    '21': 2,
    '22': 2,
    '23': 2,
    '3': 3,
    '03': 3,
    '31': 3,
    '32': 3,
    '33': 3,
  },
  specialtyHospital: [],
  internetVisit: { medTypes: ['9901'], deptCodes: [], medinsCodes: [] },
  payDays: { episodeGapDays: 30 },
  ruleOverrides: {},
};

export function resolveConfig(partial?: Partial<EvaluatorConfig>): EvaluatorConfig {
  if (!partial) return DEFAULT_EVALUATOR_CONFIG;
  return {
    ...DEFAULT_EVALUATOR_CONFIG,
    ...partial,
    ageCeilings: { ...DEFAULT_EVALUATOR_CONFIG.ageCeilings, ...partial.ageCeilings },
    employmentAge: { ...DEFAULT_EVALUATOR_CONFIG.employmentAge, ...partial.employmentAge },
    insurance: { ...DEFAULT_EVALUATOR_CONFIG.insurance, ...partial.insurance },
    medinsLevelMap: { ...DEFAULT_EVALUATOR_CONFIG.medinsLevelMap, ...partial.medinsLevelMap },
    internetVisit: { ...DEFAULT_EVALUATOR_CONFIG.internetVisit, ...partial.internetVisit },
    payDays: { ...DEFAULT_EVALUATOR_CONFIG.payDays, ...partial.payDays },
    ruleOverrides: { ...partial.ruleOverrides },
  };
}

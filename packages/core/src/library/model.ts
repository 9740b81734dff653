import type { Severity, WorkflowImpact } from '../envelope/national-types';

/** Every kind of check the evaluator knows (`limit_type` in the published knowledge points). */
export const CHECK_KINDS = [
  'sex',
  'age_group',
  'age_range',
  'insurance_type',
  'visit_type',
  'min_hospital_level',
  'max_pay_days',
  'max_qty_per_period',
  'max_qty_per_n_days',
  'time_window',
  'same_incision_group',
  'tcm_not_paid',
  'tcm_single_not_paid',
  'internet_visit',
  'indication',
  'dept_limit',
  'doctor_title_limit',
  'drug_class_duplicate',
  'max_items_per_rx',
  'second_line',
  'data_quality',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** Kinds decided per prescription or encounter, not by a knowledge point's codes. */
export const RULE_LEVEL_KINDS: ReadonlySet<CheckKind> = new Set<CheckKind>([
  'drug_class_duplicate',
  'max_items_per_rx',
  'data_quality',
]);

export type RuleClass = '政策类' | '管理类' | '医疗类';

/** A rule of the 规则库. */
export interface Rule {
  /** Official code (GZ + 14 digits) where the framework has one, otherwise a local code (PA-…). */
  id: string;
  name: string;
  ruleClass: RuleClass;
  kind: CheckKind;
  severity: Severity;
  impact: WorkflowImpact;
  /** trig_scen values (1–10) the rule runs in. */
  scenes: number[];
  enabled: boolean;
  /** Message template override; `{item}`, `{limit}`, `{fact}` are filled in. */
  message?: string;
  /** Rule-level parameters for kinds that have no knowledge points (e.g. max_items_per_rx: { max: 5 }). */
  params?: Record<string, unknown>;
}

/**
 * An age bound a point states in its basis or limit text (限6-17岁, 12岁以下, 1月以上): compared with the patient's
 * full years (周岁), full months, or days since birth (the day of birth is day 0) on the line's day.
 */
export interface AgeBound {
  value: number;
  unit: 'year' | 'month' | 'day';
  /** 6-17岁, 3岁及以上: the value itself is allowed. 12岁以下, 未满12岁, <18岁: it is not. */
  inclusive: boolean;
}

/**
 * What a pay-days limit counts, where its text says more than "支付不超过N天" (a refinement of rules.md, see
 * packages/core/README.md):
 * - `span`: a duration of treatment (支付不超过12个月, 支付不超过一年, 总时间不超过90天). Paid are the N calendar
 *   days from the first day of use, that day included (with `months`: up to the day before the same date `months`
 *   later); a current line running on a later day is beyond, however few days of use there were.
 * - `admission`: 单次住院 (住院方可支付，单次最多支付N天): distinct days of use within the current line's encounter.
 * - `episode`: 新发 / 发作 / 一个疾病过程: distinct days of use within the current episode, the run of use days not
 *   broken by a pause longer than the evaluator's `payDays.episodeGapDays`.
 */
export type PayDaysCount = 'span' | 'admission' | 'episode';

/** The parsed, typed limit of a knowledge point, one shape per kind. */
export type Limit =
  | { kind: 'sex'; sex: 'male' | 'female' }
  /**
   * The group's ceiling (a setting) unless the point states its own range: `max` then replaces the ceiling, `min`
   * adds a lower bound (限3-12岁 → 3 to 12; 3岁及以上 → 3 up to the ceiling; 11周岁以下 → under 11).
   */
  | {
      kind: 'age_group';
      group: 'neonate' | 'infant' | 'child';
      min?: AgeBound;
      max?: AgeBound;
      /**
       * The basis says the label also gives adult dosing (药品说明书包含成人用法用量). The ceiling still applies (rules.md,
       * and the point's own 检测逻辑); the message says the label's adult dosing does not lift it.
       */
      adultDosing?: true;
    }
  | { kind: 'age_range'; minYears: number; maxYears: number }
  /** 法定就业年龄: the range is the workstation's `employmentAge` setting, read when the point is evaluated. */
  | { kind: 'age_range'; range: 'employment_age' }
  | { kind: 'insurance_type'; insurance: 'work_injury' | 'maternity' }
  | { kind: 'visit_type'; allowEmergency: boolean }
  /**
   * 药品限医疗机构级别. `firstPrescriptionOnly`: the basis restricts only the first prescription
   * (首次处方时需由二级及以上医疗机构专科医师开具处方, read at import), so a patient who already had the drug may get
   * it anywhere. `specialtyAlternative`: the basis also admits a specialty hospital from a lower level
   * (需三级医院眼科或二级及以上眼科专科医院医师处方 → level 2, specialty 眼科, read at import). The request does not say
   * what kind of hospital it comes from, so between the two levels the point asks for confirmation unless the
   * workstation's `specialtyHospital` setting names the specialty. Absent: the level alone, as in libraries built
   * before it was read.
   */
  | {
      kind: 'min_hospital_level';
      level: 1 | 2 | 3;
      firstPrescriptionOnly?: true;
      specialtyAlternative?: { level: 1 | 2 | 3; specialty: string };
    }
  /**
   * 限支付天数: N days, counted as `count` says. Absent: rules.md's count, the distinct calendar days of use of the
   * point's codes over every line of the patient (current and context), beyond the N-th.
   */
  | { kind: 'max_pay_days'; days: number; count?: PayDaysCount; months?: number }
  | { kind: 'max_qty_per_period'; qty: number; per: 'day' | 'hour' }
  | { kind: 'max_qty_per_n_days'; qty: number; days: number }
  | { kind: 'time_window'; window: 'day' | 'visit' | 'hours' | 'same_hour'; hours: number }
  | { kind: 'same_incision_group'; group: string }
  | { kind: 'tcm_not_paid' }
  | { kind: 'tcm_single_not_paid' }
  | { kind: 'internet_visit' }
  /**
   * 药品限适应症. `icdPrefixes`: a local mapping's ICD-10 prefixes (rules.md: no diagnosis of the encounter starts
   * with one → sev 2). Without them the point is text-only: a reminder at sev 3 / confirm, unless a diagnosis of the
   * encounter starts with one of `quietIcdPrefixes`, the diagnoses that wholly meet the restriction (rules-cache
   * reads them from the text at import; they only silence the reminder, never escalate). Absent when the text is not
   * wholly a diagnosis ICD-10 pins, and in libraries built before the import read them. `quietMinAgeYears`: the
   * age in full years on the line's day the restriction asks besides the diagnosis (成人: 18); with it a diagnosis
   * silences only a patient that old, and a patient without a birth date is reminded. Absent: no age (as in
   * libraries built before it was read). `quietPriorClasses`: code prefixes (from the code's second character, as
   * `firstLineClasses`) of a prior therapy the restriction asks besides the diagnosis (接受二甲双胍和/或磺脲类药物治疗
   * 血糖仍控制不佳的…); with it a diagnosis silences only where a line of the patient, earlier or current, shows one.
   * Absent: none asked (as in libraries built before it was read).
   */
  | {
      kind: 'indication';
      text: string;
      icdPrefixes: string[];
      quietIcdPrefixes?: string[];
      quietMinAgeYears?: number;
      quietPriorClasses?: string[];
    }
  | { kind: 'dept_limit'; deptCodes: string[] }
  | { kind: 'doctor_title_limit'; minTitle: 1 | 2 | 3 | 4 | 5 }
  /**
   * 药品限二线使用. `firstLineClasses`: prefixes of the national drug codes (from the code's second character: an ATC
   * level-3 group, a level-4 class, or a class and generic-name segment) that show the first-line therapy the point's
   * text names, and `firstLineTherapy` names it for the message (rules-cache reads both from the text at import).
   * Absent when the text names none the import can map, and in libraries built before it did: then the point is
   * read by its own ATC class (see checkSecondLine). `firstLineAddOn`: the text gives the drug on top of a first
   * line that goes on (…控制效果不佳, …仍无法达到…目标), so a first-line line of the current request shows it too.
   * Absent: only context lines (earlier orders and encounters) show it, as in libraries built before it was read.
   */
  | {
      kind: 'second_line';
      firstLineCodes: string[];
      firstLineClasses?: string[];
      firstLineTherapy?: string;
      firstLineAddOn?: true;
    };

/** A knowledge point of the 知识库. */
export interface KnowledgePoint {
  /** Stable id: the same rule + item name keeps its id across library versions. */
  id: string;
  ruleId: string;
  itemName: string;
  itemType: string;
  /** National codes (hilist_code) it covers; for time_window pairs exactly [A, B]. */
  codes: string[];
  limit: Limit;
  /**
   * Default severity of this point's own kind where it differs from its rule's (a rule whose published points mix
   * kinds, e.g. 医疗服务项目限支付疗程: pay days at 1, an interval limit at 2). A per-rule override still wins.
   */
  severity?: Severity;
  /** limit_value as published, for messages. */
  limitText: string;
  /** 逻辑依据, returned as vola_evid. */
  basis: string;
  detectLogic?: string;
  batch?: number;
  publishedAt?: string;
  /** yyyy-MM-dd, inclusive; absent = always. */
  effectiveFrom?: string;
  effectiveTo?: string;
  /** Where the point came from (national batch, province, hospital). */
  source?: string;
}

export interface LibraryMeta {
  version: string;
  /** e.g. "national", a province code, or a hospital code. */
  region: string;
  createdAt: string;
  parentVersion?: string;
  description?: string;
}

/** A complete two-library snapshot: the unit that is imported, bundled, signed and activated. */
export interface LibraryData {
  meta: LibraryMeta;
  rules: Rule[];
  knowledgePoints: KnowledgePoint[];
}

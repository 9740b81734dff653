import type { EvaluatorConfig } from '../evaluate/config';
import type { Encounter, Line } from '../normalize/normalized-types';
import { isAdmission, isKnownVisitType, isMedTypeCode } from '../normalize/visit-codes';
import { insutypeText, medTypeText } from './encounter-names';
import type { PointCheck } from './hit';
import { flagCurrentLines, itemLabel } from './hit';

const LEVEL_NAME = { 1: '一级', 2: '二级', 3: '三级' } as const;

/** 药品限工伤/生育保险: the encounter's insurance does not meet the limit. */
export const checkInsuranceType: PointCheck = (entry, lines, ctx) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'insurance_type') return undefined;
  const { maternityInsutypes, workInjuryInsutypes } = ctx.config.insurance;
  const met = (e: Encounter) =>
    limit.insurance === 'maternity'
      ? maternityInsutypes.includes(e.insutype) || e.medType.startsWith('5')
      : workInjuryInsutypes.includes(e.insutype);
  const name = limit.insurance === 'maternity' ? '生育保险' : '工伤保险';
  return flagCurrentLines(
    lines,
    (line) => (met(line.encounter) ? undefined : `本次就诊险种为${insutypeText(line.encounter.insutype)}`),
    (fact, line) => `${itemLabel(entry, line)}限${name}支付，${fact}。`,
  );
};

/**
 * 门诊 by med_mdtrt_type 1 (and a med_type not 住院 2x), else by a med_type of the 1x (门诊) codes. A med_mdtrt_type
 * that is no code of the dictionary (Hunan's "110", its med_type with a 0) leaves the decision to med_type.
 */
export function isOutpatient(e: Encounter): boolean {
  if (isKnownVisitType(e.medMdtrtType)) return e.medMdtrtType === '1' && !e.medType.startsWith('2');
  return isMedTypeCode(e.medType) && e.medType.startsWith('1');
}

/** Neither field tells 门诊 from 住院: the visit checks cannot decide, and the data-quality check says so. */
export function visitUnreadable(e: Encounter): boolean {
  return !isKnownVisitType(e.medMdtrtType) && !isMedTypeCode(e.medType);
}

/** What an encounter is, as far as a 限住院 drug is concerned; undefined when the request does not say. */
type VisitSetting = 'inpatient' | 'outpatient' | 'pharmacy' | 'other';

/**
 * med_mdtrt_type by the spec's dictionary (3101-3103.md §2.9: 1 门诊, 2 住院, 3 购药, 4 其他), med_type by the national
 * one (1x 门诊, 2x 住院, 41 定点药店购药). A med_type of 住院 wins: S-02 numbers 3 住院 (1 门诊/2 药店购药/3 住院), and an
 * encounter billed as an admission is one. med_type 41 is a pharmacy purchase whatever the 就诊类型. An empty 就诊类型
 * or one outside the dictionary (湖南's "110") is read by a med_type of 1x (门诊); with a med_type that says nothing
 * it is not guessed (and data-quality.ts names the fields when neither can be read).
 */
function visitSetting(e: Encounter): VisitSetting | undefined {
  const medType = e.medType;
  if (isAdmission(e.medMdtrtType, medType)) return 'inpatient';
  if (medType === '41') return 'pharmacy';
  switch (e.medMdtrtType) {
    case '1':
      return 'outpatient';
    case '3':
      return 'pharmacy';
    case '4':
      return medType.startsWith('1') ? 'outpatient' : 'other';
    default:
      // Empty, or no code of the dictionary (Hunan's "110", its med_type with a 0): med_type decides, as isOutpatient.
      return isMedTypeCode(medType) && medType.startsWith('1') ? 'outpatient' : undefined;
  }
}

/** 「本次为…」 of a visit that is not an admission, in the words of the place the drug was dispensed. */
function notInpatientFact(setting: Exclude<VisitSetting, 'inpatient'>, e: Encounter): string {
  if (setting === 'outpatient') return `本次为门诊就诊（${medTypeText(e.medType)}）`;
  if (setting === 'pharmacy')
    return `本次为药店购药（就诊类型 ${e.medMdtrtType || '未填写'}，${medTypeText(e.medType)}）`;
  return `本次不是住院（就诊类型 ${e.medMdtrtType}，${medTypeText(e.medType)}）`;
}

/**
 * 药品限就医方式 (住院): every encounter known not to be an admission (visitSetting): an outpatient visit, and a
 * purchase at a pharmacy or another non-inpatient visit too, since a drug the fund pays only for inpatients is not paid
 * there either (rules.md names only the outpatient case; ω-3鱼油脂肪乳 bought 购药划卡 went unreminded). 急诊 passes
 * where the basis allows it. An unknown visit type is not checked.
 */
export const checkVisitType: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'visit_type') return undefined;
  return flagCurrentLines(
    lines,
    (line) => {
      const e = line.encounter;
      const setting = visitSetting(e);
      if (setting === undefined || setting === 'inpatient') return undefined;
      if (limit.allowEmergency && e.medType === '13') return undefined;
      return notInpatientFact(setting, e);
    },
    (fact, line) => `${itemLabel(entry, line)}限${limit.allowEmergency ? '急诊或' : ''}住院患者使用，${fact}。`,
  );
};

export function hospitalLevel(e: Encounter, config: EvaluatorConfig): 1 | 2 | 3 | undefined {
  return config.hospitalLevel ?? config.medinsLevelMap[e.medinsLevel];
}

/**
 * Where the level came from, so that IT can spot a wrong reading: medins_lv has two code lists in use (1/2/3 or 01–03
 * by level, and the ten-grade hospital list where 02 is 三级甲等), and which one medinsLevelMap should follow is not
 * settled; 「本机构为二级医疗机构」 said nothing of the code it was read from.
 */
function levelFact(e: Encounter, level: 1 | 2 | 3, config: EvaluatorConfig): string {
  if (config.hospitalLevel !== undefined) return `本机构按本机配置（hospitalLevel）为${LEVEL_NAME[level]}医疗机构`;
  return `本机构等级代码 ${e.medinsLevel}，按${LEVEL_NAME[level]}医疗机构判断`;
}

/**
 * Whether the patient already had the point's drug before `line`: a context line (an earlier order of this
 * encounter, or of an earlier encounter sent as history) or a current line begun earlier. `lines` are the point's
 * lines of the patient, so all are the same drug.
 */
function hadBefore(line: Line, lines: readonly Line[]): boolean {
  for (const other of lines) {
    if (other !== line && (!other.current || other.beginMinutes < line.beginMinutes)) return true;
  }
  return false;
}

/**
 * 药品限医疗机构级别: the hospital's level is below the limit; unknown level does not fire. A point whose basis binds
 * the first prescription only (firstPrescriptionOnly) does not fire on a line the patient already had the drug
 * before (hadBefore): a refill at a level-1 hospital after a first prescription elsewhere (a refinement of rules.md,
 * see packages/core/README.md). A point whose basis also admits a specialty hospital from a lower level
 * (specialtyAlternative: 三级医院眼科或二级及以上眼科专科医院) is met there when the workstation says it is one
 * (`specialtyHospital`); otherwise, since the request cannot say, a hospital at that level is asked to confirm (sev 3)
 * rather than told it broke the limit, and one below it is flagged as before.
 */
export const checkHospitalLevel: PointCheck = (entry, lines, ctx) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'min_hospital_level') return undefined;
  const alternative = limit.specialtyAlternative;
  const allowed = alternative
    ? `${LEVEL_NAME[limit.level]}及以上医疗机构或${LEVEL_NAME[alternative.level]}及以上${alternative.specialty}专科医院`
    : `${LEVEL_NAME[limit.level]}及以上医疗机构`;
  const isSpecialty = alternative !== undefined && ctx.config.specialtyHospital.includes(alternative.specialty);
  /** At the alternative's level: perhaps the specialty hospital the basis admits. */
  const mayBeSpecialty = (level: number) => alternative !== undefined && level >= alternative.level;
  const hits = flagCurrentLines(
    lines,
    (line) => {
      if (limit.firstPrescriptionOnly && hadBefore(line, lines)) return undefined;
      const level = hospitalLevel(line.encounter, ctx.config);
      if (level === undefined || level >= limit.level) return undefined;
      const fact = levelFact(line.encounter, level, ctx.config);
      if (!mayBeSpecialty(level)) return fact;
      if (isSpecialty) return undefined;
      return `${fact}，请确认本院是否为${alternative!.specialty}专科医院`;
    },
    (fact, line) => `${itemLabel(entry, line)}限${allowed}使用，${fact}。`,
  );
  // A hit is one encounter, so one hospital: it either asks or tells.
  for (const hit of hits ?? []) if (mayBeSpecialty(hospitalLevel(hit.encounter, ctx.config)!)) hit.asks = true;
  return hits;
};

export function isInternetVisit(e: Encounter, config: EvaluatorConfig): boolean {
  const iv = config.internetVisit;
  return iv.medTypes.includes(e.medType) || iv.deptCodes.includes(e.deptCode) || iv.medinsCodes.includes(e.medinsId);
}

/** 超互联网医院药品支付范围: a controlled drug in an internet-hospital visit. */
export const checkInternetVisit: PointCheck = (entry, lines, ctx) => {
  if (entry.kp.limit.kind !== 'internet_visit') return undefined;
  return flagCurrentLines(
    lines,
    (line) => (isInternetVisit(line.encounter, ctx.config) ? '本次为互联网诊疗' : undefined),
    (fact, line) => `${fact}，不得开具麻醉药品、精神药品等特殊管理药品${itemLabel(entry, line)}。`,
  );
};

/** 限科室使用: the ordering department is not one of the allowed ones. */
export const checkDeptLimit: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'dept_limit') return undefined;
  return flagCurrentLines(
    lines,
    (line: Line) =>
      line.deptCode && !limit.deptCodes.includes(line.deptCode)
        ? `开单科室为 ${line.deptName || line.deptCode}`
        : undefined,
    (fact, line) => `${itemLabel(entry, line)}限 ${entry.kp.limitText || limit.deptCodes.join('、')} 使用，${fact}。`,
  );
};

const TITLE_NAME = { 1: '医士', 2: '医师', 3: '主治医师', 4: '副主任医师', 5: '主任医师' } as const;

/** drord_dr_profttl comes in two code schemes (3101-3103.md §2.9): 231–235 or 1–5. */
export function titleRank(code: string): 1 | 2 | 3 | 4 | 5 | undefined {
  switch (code) {
    case '231':
    case '5':
      return 5;
    case '232':
    case '4':
      return 4;
    case '233':
    case '3':
      return 3;
    case '234':
    case '2':
      return 2;
    case '235':
    case '1':
      return 1;
    default:
      return undefined;
  }
}

/** 限医师职称: the prescribing doctor's title is below the minimum; unknown titles do not fire. */
export const checkDoctorTitle: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'doctor_title_limit') return undefined;
  return flagCurrentLines(
    lines,
    (line) => {
      const rank = titleRank(line.doctorTitle);
      return rank !== undefined && rank < limit.minTitle ? `开方医生职称为${TITLE_NAME[rank]}` : undefined;
    },
    (fact, line) => `${itemLabel(entry, line)}限${TITLE_NAME[limit.minTitle]}及以上职称开具，${fact}。`,
  );
};

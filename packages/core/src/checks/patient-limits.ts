import type { EvaluatorConfig } from '../evaluate/config';
import type { AgeBound, Limit } from '../library/model';
import { civilFromDays, fullYears, type LocalTime } from '../normalize/dates';
import { ageDaysAt, ageYearsAt } from '../normalize/patient-age';
import type { PointCheck } from './hit';
import { flagCurrentLines, itemLabel } from './hit';

const SEX_NAME = { male: '男', female: '女' } as const;

/** 药品/医疗服务项目区分性别使用: fires only when the patient's sex is known and differs. */
export const checkSex: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'sex') return undefined;
  // The lines are one patient's: most requests are decided here, before any line is looked at.
  const patientSex = lines[0]?.encounter.patient.sex;
  if (patientSex === undefined || patientSex === limit.sex) return undefined;
  return flagCurrentLines(
    lines,
    (line) => {
      const sex = line.encounter.patient.sex;
      return sex !== undefined && sex !== limit.sex ? `患者性别为${SEX_NAME[sex]}` : undefined;
    },
    (fact, line) => `${itemLabel(entry, line)}限${SEX_NAME[limit.sex]}性使用，${fact}。`,
  );
};

/** 儿童专用 / 限儿童 / 新生儿: age above the group's ceiling on the day of the order. */
export const checkAgeGroup: PointCheck = (entry, lines, ctx) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'age_group') return undefined;
  const c = ctx.config.ageCeilings;
  if (limit.min !== undefined || limit.max !== undefined) return checkStatedAge(entry, lines, limit, c);
  return flagCurrentLines(
    lines,
    (line) => {
      if (limit.group === 'neonate') {
        const days = ageDaysAt(line);
        if (days === undefined || days <= c.neonateMaxDays) return undefined;
        return days < 366 ? `患者出生第 ${days} 天` : `患者年龄 ${ageYearsAt(line)} 周岁`;
      }
      const years = ageYearsAt(line);
      if (years === undefined) return undefined;
      const over = limit.group === 'infant' ? years >= c.infantBelowYears : years > c.childMaxYears;
      return over ? `患者年龄 ${years} 周岁` : undefined;
    },
    (fact, line) =>
      `${itemLabel(entry, line)}限${ageGroupLabel(limit.group, c)}使用，${fact}${adultDosingNote(limit)}。`,
  );
};

/**
 * rules.md fires every 儿童 point above the ceiling, and these points' own 检测逻辑 says so too; the doctor who knows
 * the label gives adult dosing is told the point still limits it, so the reason he gives answers the right question.
 */
function adultDosingNote(limit: AgeGroupLimit): string {
  return limit.adultDosing ? '（说明书虽含成人用法用量，仍属儿童专用药品）' : '';
}

/** The group as the message names it; built only for a finding. */
function ageGroupLabel(group: 'neonate' | 'infant' | 'child', c: EvaluatorConfig['ageCeilings']): string {
  return group === 'neonate'
    ? `新生儿（出生 ${c.neonateMaxDays} 天内）`
    : group === 'infant'
      ? `婴幼儿（不满 ${c.infantBelowYears} 周岁）`
      : `儿童（${c.childMaxYears} 周岁及以下）`;
}

type AgeGroupLimit = Extract<Limit, { kind: 'age_group' }>;

/**
 * A point that states its own range (限6-17岁, 5至12岁以下, 3岁及以上): below its minimum or above its maximum, the
 * group's ceiling standing in for a maximum it does not state.
 */
function checkStatedAge(
  entry: Parameters<PointCheck>[0],
  lines: Parameters<PointCheck>[1],
  limit: AgeGroupLimit,
  c: EvaluatorConfig['ageCeilings'],
): ReturnType<PointCheck> {
  const { min } = limit;
  const max = limit.max ?? groupCeiling(limit.group, c);
  return flagCurrentLines(
    lines,
    (line) => {
      const birth = line.encounter.patient.birth;
      const day = line.beginDay;
      // A line dated before the birth (a mother's charges on the newborn's record) has no age to decide on.
      if (birth === undefined || day < birth.day) return undefined;
      if ((min === undefined || !below(ageIn(min.unit, birth, day), min)) && !above(ageIn(max.unit, birth, day), max))
        return undefined;
      const years = fullYears(birth, day);
      if (years >= 1) return `患者年龄 ${years} 周岁`;
      const months = ageIn('month', birth, day);
      return months >= 1 ? `患者年龄 ${months} 个月` : `患者出生第 ${day - birth.day} 天`;
    },
    (fact, line) =>
      `${itemLabel(entry, line)}限${GROUP_NAME[limit.group]}（${rangeLabel(min, max)}）使用，${fact}${adultDosingNote(limit)}。`,
  );
}

function above(age: number, max: AgeBound): boolean {
  return max.inclusive ? age > max.value : age >= max.value;
}

function below(age: number, min: AgeBound): boolean {
  return min.inclusive ? age < min.value : age <= min.value;
}

/** Full years, full months, or days since birth on a day. */
function ageIn(unit: AgeBound['unit'], birth: LocalTime, day: number): number {
  if (unit === 'year') return fullYears(birth, day);
  if (unit === 'day') return day - birth.day;
  const at = civilFromDays(day);
  return (at.year - birth.year) * 12 + at.month - birth.month - (at.dayOfMonth < birth.dayOfMonth ? 1 : 0);
}

/** The group's ceiling as a bound: 新生儿 ≤ 28 days, 婴幼儿 < 3 years, 儿童 ≤ 14 years by default. */
function groupCeiling(group: AgeGroupLimit['group'], c: EvaluatorConfig['ageCeilings']): AgeBound {
  return group === 'neonate'
    ? { value: c.neonateMaxDays, unit: 'day', inclusive: true }
    : group === 'infant'
      ? { value: c.infantBelowYears, unit: 'year', inclusive: false }
      : { value: c.childMaxYears, unit: 'year', inclusive: true };
}

const GROUP_NAME = { neonate: '新生儿', infant: '婴幼儿', child: '儿童' } as const;
const UNIT_NAME = { year: '周岁', month: '个月', day: '天' } as const;

/** The range applied, for the message: 6–17 周岁; 5 周岁及以上、不满 12 周岁; 1 个月及以上、14 周岁及以下. */
function rangeLabel(min: AgeBound | undefined, max: AgeBound): string {
  const upper = `${max.inclusive ? '' : '不满 '}${max.value} ${UNIT_NAME[max.unit]}${max.inclusive ? '及以下' : ''}`;
  if (min === undefined) return upper;
  if (min.inclusive && max.inclusive && min.unit === max.unit)
    return `${min.value}–${max.value} ${UNIT_NAME[max.unit]}`;
  return `${min.inclusive ? '' : '超过 '}${min.value} ${UNIT_NAME[min.unit]}${min.inclusive ? '及以上' : ''}、${upper}`;
}

/** 医疗服务项目限年龄: age outside an inclusive range of full years. */
export const checkAgeRange: PointCheck = (entry, lines, ctx) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'age_range') return undefined;
  const { minYears, maxYears } = 'range' in limit ? ctx.config.employmentAge : limit;
  return flagCurrentLines(
    lines,
    (line) => {
      const years = ageYearsAt(line);
      return years !== undefined && (years < minYears || years > maxYears) ? `患者年龄 ${years} 周岁` : undefined;
    },
    (fact, line) =>
      `${itemLabel(entry, line)}限 ${minYears}–${maxYears} 周岁${entry.kp.limitText && !/\d/.test(entry.kp.limitText) ? `（${entry.kp.limitText}）` : ''}使用，${fact}。`,
  );
};

import type { EvaluatorConfig } from '../evaluate/config';
import { ageDaysAt, ageYearsAt } from '../normalize/request';
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
    (fact, line) => `${itemLabel(entry, line)}限${ageGroupLabel(limit.group, c)}使用，${fact}。`,
  );
};

/** The group as the message names it; built only for a finding. */
function ageGroupLabel(group: 'neonate' | 'infant' | 'child', c: EvaluatorConfig['ageCeilings']): string {
  return group === 'neonate'
    ? `新生儿（出生 ${c.neonateMaxDays} 天内）`
    : group === 'infant'
      ? `婴幼儿（不满 ${c.infantBelowYears} 周岁）`
      : `儿童（${c.childMaxYears} 周岁及以下）`;
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

import type { KnowledgePoint } from './model';

/**
 * What a library's points can check, by class: a point that only asks, one that falls back on a guess, one whose
 * outcome hangs on a workstation setting. The counts are for IT rolling a library out (bundle build / verify,
 * /v1/status): "3,495 points" says nothing of how many can ever give a 明确违规.
 */
export interface LibraryCoverage {
  points: number;
  /** Decided on what the request carries, with no setting: the rest. */
  factual: number;
  /** 药品限适应症 without ICD-10 prefixes: sev 3 / confirm, no diagnosis check. */
  indicationTextOnly: number;
  /** Of those, the ones a diagnosis read from their text silences (quietIcdPrefixes). */
  indicationQuietOnDiagnosis: number;
  /** 药品限二线使用 with no first line read from their text: another drug of their own ATC class stands in. */
  secondLineClassFallback: number;
  /** 药品限医疗机构级别: the level comes from `hospitalLevel`, else `medins_lv` through `medinsLevelMap`. */
  hospitalLevel: number;
  /** Of those, the ones that ask at a specialty hospital's level unless `specialtyHospital` names it. */
  hospitalLevelSpecialty: number;
  /** 法定就业年龄: the range is `employmentAge`. */
  employmentAge: number;
  /** 超互联网医院药品支付范围: fire only where `internetVisit` recognises the visit. */
  internetVisit: number;
  /** Incision groups: charged amounts exist from 事中 on, so 3101 事前 scenes never run them. */
  inStageOnly: number;
}

/** Counts with no point yet, for a library read point by point (countCoverage). */
export function emptyCoverage(): LibraryCoverage {
  return {
    points: 0,
    factual: 0,
    indicationTextOnly: 0,
    indicationQuietOnDiagnosis: 0,
    secondLineClassFallback: 0,
    hospitalLevel: 0,
    hospitalLevelSpecialty: 0,
    employmentAge: 0,
    internetVisit: 0,
    inStageOnly: 0,
  };
}

/** Adds one point to `c`. */
export function countCoverage(c: LibraryCoverage, kp: KnowledgePoint): void {
  c.points++;
  const limit = kp.limit;
  switch (limit.kind) {
    case 'indication':
      if (limit.icdPrefixes.length > 0) c.factual++;
      else if (limit.quietIcdPrefixes?.length) c.indicationQuietOnDiagnosis++;
      else c.indicationTextOnly++;
      break;
    case 'second_line':
      if (limit.firstLineCodes.length === 0 && !limit.firstLineClasses?.length) c.secondLineClassFallback++;
      else c.factual++;
      break;
    case 'min_hospital_level':
      c.hospitalLevel++;
      if (limit.specialtyAlternative) c.hospitalLevelSpecialty++;
      break;
    case 'age_range':
      if ('range' in limit) c.employmentAge++;
      else c.factual++;
      break;
    case 'internet_visit':
      c.internetVisit++;
      break;
    case 'same_incision_group':
      c.inStageOnly++;
      break;
    default:
      c.factual++;
  }
}

export function libraryCoverage(points: Iterable<KnowledgePoint>): LibraryCoverage {
  const c = emptyCoverage();
  for (const kp of points) countCoverage(c, kp);
  return c;
}

/** One line per class of point that has any, for a person: what bundle build and bundle verify print. */
export function coverageLines(c: LibraryCoverage): string[] {
  const n = (count: number) => count.toLocaleString('en-US');
  const lines = [`${n(c.factual)} decided on what the request carries`];
  const add = (count: number, text: string) => {
    if (count > 0) lines.push(`${n(count)} ${text}`);
  };
  add(c.indicationTextOnly, '药品限适应症 text only: remind at sev 3 / confirm, no diagnosis check');
  add(c.indicationQuietOnDiagnosis, '药品限适应症 silent on a diagnosis read from their text, else sev 3 / confirm');
  add(
    c.secondLineClassFallback,
    '药品限二线使用 with no first line read from their text: another drug of their ATC class stands in',
  );
  add(
    c.hospitalLevel,
    `药品限医疗机构级别 by the hospitalLevel setting, else medins_lv through medinsLevelMap` +
      (c.hospitalLevelSpecialty > 0
        ? `; ${n(c.hospitalLevelSpecialty)} of them ask for confirmation at a specialty hospital's level unless specialtyHospital names it`
        : ''),
  );
  add(c.employmentAge, '法定就业年龄 by the employmentAge setting');
  add(c.internetVisit, '超互联网医院药品支付范围 only where the internetVisit setting recognises the visit');
  add(c.inStageOnly, '手术 incision groups in 事中 scenes (6–10) only');
  return lines;
}

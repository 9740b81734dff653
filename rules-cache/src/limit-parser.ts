import type { CheckKind, Limit } from '@prealert/core';
import { CHECK_KINDS } from '@prealert/core';
import { readStatedAge } from './age-bounds';
import { readFirstLine } from './first-line-classes';
import { quietIndication } from './indication-diagnoses';
import { limitFiguresProblem, quotedCell } from './limit-figures';
import { limitSoundnessProblem } from './limit-soundness';

/** `note`: read, but the record contradicts itself; the importer reports it without refusing the record. */
/**
 * `field`: the column at fault, `limit_type` when the type itself is not one a point can have, `basis` when a figure
 * read from the basis is unusable (else `limit_value`).
 */
export type ParsedLimits =
  | { ok: true; kind: CheckKind; limits: Limit[]; note?: string }
  | { ok: false; error: string; field?: 'limit_type' | 'basis' };

const CN_NUM: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

const HAN = /\p{Script=Han}/u;
const DRUG_CODE = /^(?:X[A-Z0-9]{22}|Z[A-Z0-9]{19})$/;

const AGE_GROUPS = { 新生儿: 'neonate', 婴幼儿: 'infant', 儿童: 'child' } as const;

/**
 * An inpatient-only sentence inside a pay-days or indication text: 「住院方可支付」 (six 2026-01 pay-days texts,
 * 注射用重组人脑利钠肽 in batch 14) and 「…的住院患者方予支付」 (the nutrition infusions of batch 13). It is a visit-type
 * limit of its own, filed by buildLibrary under the visit-type rule as batch 4 files the same sentence.
 */
const INPATIENT_ONLY = /住院(?:患者)?(?:方可|方能|方予|才可|才能)(?:支付|报销)/;

/** The visit-type limit an inpatient-only sentence adds to the point's own, if its text has one. */
function withInpatientOnly(limit: Limit, text: string): Limit[] {
  return INPATIENT_ONLY.test(text) ? [limit, { kind: 'visit_type', allowEmergency: false }] : [limit];
}

/**
 * The level binds the first prescription only: 「首次处方时需由二级及以上医疗机构专科医师开具处方」 (度拉糖肽,
 * 聚乙二醇洛塞那肽, 利司那肽). The level must be in the 首次处方 clause itself: the anti-VEGF texts say
 * 「1.需三级医院眼科…处方；2.首次处方时病眼基线矫正视力…」, where every prescription needs the level.
 */
const FIRST_PRESCRIPTION_LEVEL = /首次处方[^。；;]*[一二三]级/;

/**
 * A lower level admitted for a specialty hospital: 「需三级医院眼科或二级及以上眼科专科医院医师处方」 (the five anti-VEGF
 * eye injections, batch 5 and the 2026-01 re-issue, which also says 三级综合医院眼科). The request does not say what kind
 * of hospital sent it, so the evaluator asks at that level instead of flagging it.
 */
const SPECIALTY_ALTERNATIVE = /或\s*([一二三])级及以上\s*(\p{Script=Han}{1,8}?)专科医院/u;

const LEVEL_OF: Record<string, 1 | 2 | 3> = { 一: 1, 二: 2, 三: 3 };

/** 说明书包含成人用法用量, not its negation (说明书没有/未包含/不含成人用法用量). */
const ADULT_DOSING = /说明书(?:[^。；;没未不无]{0,6})(?<![没未不无])(包含|含有|有)成人(用法用量|剂量|用量)/;

function days(text: string): number | undefined {
  const m = /(\d+)\s*[天日]/.exec(text);
  if (m) return Number(m[1]);
  if (/一年|1年/.test(text)) return 365;
  const w = /(\d+|[一二两三四五六七八九十])\s*周/.exec(text);
  if (w) return (Number(w[1]) || CN_NUM[w[1]!] || 1) * 7;
  return undefined;
}

/** The days of payment a basis states (支付不超过14天, 单次住院最多支付14天), when it states one count. */
function basisPayDays(basis: string): number | undefined {
  const counts = new Set([...basis.matchAll(/支付[^。；;\d]*?(\d+)\s*[天日]/g)].map((m) => Number(m[1])));
  return counts.size === 1 ? [...counts][0] : undefined;
}

function cnNumber(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (text === '十') return 10;
  const m = /^([一二两三四五六七八九])?十([一二三四五六七八九])?$/.exec(text);
  if (m) return (m[1] ? CN_NUM[m[1]]! : 1) * 10 + (m[2] ? CN_NUM[m[2]]! : 0);
  return CN_NUM[text];
}

/**
 * What a pay-days limit counts, from its published limit and basis texts (see PayDaysCount in core's model):
 * - a duration of treatment, 支付不超过12个月 / 支付不超过一年 / 总时间不超过90天 → a span (months for 个月 and 年);
 * - 单次住院, or 住院方可支付，单次最多支付N天 → the current admission;
 * - 新发, 发作 (限新发的急性缺血性脑卒中…在发作48小时内开始使用) or 一个疾病过程 → the current episode;
 * - anything else (支付不超过14天) → nothing to add: rules.md's distinct days of use.
 */
function payDaysCount(text: string): Pick<Extract<Limit, { kind: 'max_pay_days' }>, 'count' | 'months'> {
  // Only what is paid: "限发病不超过6个月的患者，支付不超过14天" limits the patient, not the course.
  const duration = /支付(?:时间)?不超过\s*(\d+|[一二两三四五六七八九十]+)\s*(个月|年)/.exec(text);
  const n = duration ? cnNumber(duration[1]!) : undefined;
  // 0 months goes on to the soundness check, which refuses it: `if (n)` dropped it and read the limit as plain days.
  if (n !== undefined) return { count: 'span', months: duration![2] === '年' ? n * 12 : n };
  // 总时间 of the course in days ("总时间不超过90天"), not of a session ("每日训练总时间不超过2小时").
  if (/总时间\s*不超过\s*\d+\s*天/.test(text)) return { count: 'span' };
  if (/单次住院|住院[^。；]*单次/.test(text)) return { count: 'admission' };
  if (/新发|发作|一个疾病过程/.test(text)) return { count: 'episode' };
  return {};
}

function codeList(text: string): string[] {
  return text
    .split(/[,，;；、|\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A figure no limit can hold (limit-figures.ts), else a limit that can never apply as meant (limit-soundness.ts). */
function figuresProblem(limits: readonly Limit[]): string | undefined {
  return limitFiguresProblem(limits) ?? limitSoundnessProblem(limits);
}

/**
 * Reads a published (limit_type, limit_value, basis) into typed limits. One published point may become several
 * limits: "总时间不超过90天，评定间隔时间不短于14天" is a pay-days limit and a 1-per-14-days limit. A figure that is not
 * finite or past any real limit (limit-figures.ts), or that makes the limit mean nothing (a count or period of 0, an
 * inverted age range: limit-soundness.ts), refuses the record, naming the column it came from.
 */
export function parseLimit(limitType: string, limitValue: unknown, basis: string): ParsedLimits {
  const parsed = readLimit(limitType, limitValue, basis);
  if (!parsed.ok) return parsed;
  const problem = figuresProblem(parsed.limits);
  if (problem === undefined) return parsed;
  const value = limitValue === null || limitValue === undefined ? '' : String(limitValue).trim();
  // Ages and pay days may be read from the basis too: where the limit_value alone reads well, or reads only with the
  // basis (an age_range given as 限60-16岁 in the basis alone), the basis is at fault.
  const alone = readLimit(limitType, limitValue, '');
  if (!alone.ok || figuresProblem(alone.limits) === undefined)
    return { ok: false, error: `basis ${quotedCell(basis)}: ${problem}`, field: 'basis' };
  return { ok: false, error: `limit_value ${quotedCell(value)}: ${problem}` };
}

function readLimit(limitType: string, limitValue: unknown, basis: string): ParsedLimits {
  const value = limitValue === null || limitValue === undefined ? '' : String(limitValue).trim();
  const fail = (why: string): ParsedLimits => ({ ok: false, error: `limit_value ${quotedCell(value)}: ${why}` });
  const one = (kind: CheckKind, limit: Limit): ParsedLimits => ({ ok: true, kind, limits: [limit] });
  switch (limitType) {
    case 'sex':
      if (/^(男|男性|1|male)$/i.test(value)) return one('sex', { kind: 'sex', sex: 'male' });
      if (/^(女|女性|2|female)$/i.test(value)) return one('sex', { kind: 'sex', sex: 'female' });
      return fail('性别应为 男 或 女');
    case 'age_group': {
      // 儿童, or a local 儿童（6-17岁）. A range the limit or else the basis states (限6-17岁, 5至12岁以下) is the
      // point's own; without one the group's ceiling (a setting) applies.
      const m = /^(新生儿|婴幼儿|儿童)\s*(.*)$/s.exec(value);
      if (!m) return fail('年龄组应为 新生儿 / 婴幼儿 / 儿童');
      const group = AGE_GROUPS[m[1] as keyof typeof AGE_GROUPS];
      const own = m[2] ? readStatedAge(m[2]) : undefined;
      if (m[2] && !own) return fail('年龄组后的年龄范围应如 儿童（6-17岁）');
      const stated = own ?? readStatedAge(basis);
      // Three 小儿… drugs of 药品儿童专用 carry this note: an adult taking them breaks no limit.
      if (ADULT_DOSING.test(basis)) return one('age_group', { kind: 'age_group', group, ...stated, adultDosing: true });
      return one('age_group', { kind: 'age_group', group, ...stated });
    }
    case 'age_range': {
      // The legal working age is a setting (EvaluatorConfig.employmentAge), not a number frozen at import.
      if (value === '法定就业年龄') return one('age_range', { kind: 'age_range', range: 'employment_age' });
      const m =
        /\[?\s*(\d+)\s*[,，\-–~至]\s*(\d+)\s*\]?/.exec(value) ?? /限\s*(\d+)\s*[-–~至]\s*(\d+)\s*岁/.exec(basis);
      if (m) return one('age_range', { kind: 'age_range', minYears: Number(m[1]), maxYears: Number(m[2]) });
      return fail('年龄范围应为 [最小,最大] 或 法定就业年龄');
    }
    case 'insurance_type':
      if (value.includes('工伤')) return one('insurance_type', { kind: 'insurance_type', insurance: 'work_injury' });
      if (value.includes('生育')) return one('insurance_type', { kind: 'insurance_type', insurance: 'maternity' });
      return fail('险种应为 工伤 或 生育');
    case 'visit_type':
      if (value.includes('住院')) {
        return one('visit_type', { kind: 'visit_type', allowEmergency: /急诊/.test(basis) || /急诊/.test(value) });
      }
      return fail('就医方式应为 住院');
    case 'min_hospital_level': {
      const level = /三级/.test(value) ? 3 : /二级/.test(value) ? 2 : /一级/.test(value) ? 1 : undefined;
      if (!level) return fail('医疗机构级别应为 一级 / 二级 / 三级');
      const alternative = SPECIALTY_ALTERNATIVE.exec(basis);
      const alternativeLevel = alternative ? LEVEL_OF[alternative[1]!]! : undefined;
      return one('min_hospital_level', {
        kind: 'min_hospital_level',
        level,
        ...(FIRST_PRESCRIPTION_LEVEL.test(basis) && { firstPrescriptionOnly: true as const }),
        ...(alternativeLevel !== undefined &&
          alternativeLevel < level && {
            specialtyAlternative: { level: alternativeLevel, specialty: alternative![2]! },
          }),
      });
    }
    case 'max_pay_days': {
      const published = days(value);
      // 0天 reads, and is refused as a period of 0 days (limit-soundness.ts), not as a text of another form.
      if (published === undefined) return fail('应为 N天');
      // The basis is the catalogue's own restriction, the text the fund pays by and the reminder quotes as 依据; the
      // limit_value is a figure derived from it. Where they differ (注射用益气复脉(冻干): "15天" beside 「单次住院最多
      // 支付14天」, in batch 6 and again in the 2026-01 re-issue, which reworded the basis and kept its 14; its batch 5
      // level point says 14 too; every other pay-days point's figure is its basis' count) the basis wins, so the
      // message never contradicts its own 依据, and the importer reports the conflict.
      const stated = basisPayDays(basis);
      const n = stated ?? published;
      const note =
        stated !== undefined && stated !== published
          ? `限支付疗程 limit_value ${JSON.stringify(value)} 与依据所写 ${stated} 天不一致，按依据 ${stated} 天`
          : undefined;
      const payDays: Limit = { kind: 'max_pay_days', days: n, ...payDaysCount(`${value}\n${basis}`) };
      // "住院方可支付，单次最多支付14天" (six injections, 2026-01 wording): an outpatient use is not paid at all.
      return { ok: true, kind: 'max_pay_days', limits: withInpatientOnly(payDays, basis), ...(note && { note }) };
    }
    case 'max_pay_days_text': {
      // Published as prose (batch 8 services): the total course becomes max_pay_days (a span where it is a
      // duration, 总时间 or 一年; an episode for 一个疾病过程), an interval or a weekly cap becomes max_qty_per_n_days.
      const limits: Limit[] = [];
      const total = /(?:不超过|最多)\s*(\d+\s*天|一年|1年)/.exec(value);
      const totalDays = total ? days(total[1]!) : undefined;
      if (totalDays) limits.push({ kind: 'max_pay_days', days: totalDays, ...payDaysCount(value) });
      const interval = /间隔[^\d]*(\d+)\s*天/.exec(value);
      if (interval) limits.push({ kind: 'max_qty_per_n_days', qty: 1, days: Number(interval[1]) });
      if (/每周最多[^\d一]*(?:一|1)次/.test(value)) limits.push({ kind: 'max_qty_per_n_days', qty: 1, days: 7 });
      if (limits.length === 0) return fail('未能从文字中读出支付天数');
      return { ok: true, kind: 'max_pay_days', limits };
    }
    case 'max_qty_per_period': {
      const m = /^(\d+(?:\.\d+)?)\s*\/\s*(日|天|小时)$/.exec(value);
      if (!m) return fail('应为 N/日 或 N/小时');
      // "24/小时" means at most 24 hours' worth a day (rules.md).
      return one('max_qty_per_period', {
        kind: 'max_qty_per_period',
        qty: Number(m[1]),
        per: m[2] === '小时' ? 'hour' : 'day',
      });
    }
    case 'max_qty_per_n_days': {
      const m = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+)\s*天$/.exec(value);
      if (!m) return fail('应为 N/M天');
      return one('max_qty_per_n_days', { kind: 'max_qty_per_n_days', qty: Number(m[1]), days: Number(m[2]) });
    }
    case 'time_window': {
      if (value === '单日' || value === '同日' || value === '同一天')
        return one('time_window', { kind: 'time_window', window: 'day', hours: 24 });
      if (value === '单次就诊' || value === '同一次就诊')
        return one('time_window', { kind: 'time_window', window: 'visit', hours: 0 });
      if (value === '同一小时') return one('time_window', { kind: 'time_window', window: 'same_hour', hours: 1 });
      const h = /^(\d+)\s*小时$/.exec(value);
      if (h) return one('time_window', { kind: 'time_window', window: 'hours', hours: Number(h[1]) });
      return fail('时间窗应为 单日 / 单次就诊 / N小时 / 同一小时');
    }
    case 'same_incision_group':
      return value ? one('same_incision_group', { kind: 'same_incision_group', group: value }) : fail('缺少手术组');
    case 'tcm_not_paid':
      return one('tcm_not_paid', { kind: 'tcm_not_paid' });
    case 'tcm_single_not_paid':
      return one('tcm_single_not_paid', { kind: 'tcm_single_not_paid' });
    case 'internet_visit':
      return one('internet_visit', { kind: 'internet_visit' });
    case 'indication': {
      // Local mappings may append ICD-10 prefixes: "限2型糖尿病患者。|E11" or "ICD:E11,E14". Without them, the
      // diagnoses that wholly meet the restriction are read from its text (indication-diagnoses.ts): they silence
      // the text-only reminder, nothing more.
      const [text, icd] = value.split(/\s*(?:\||ICD[:：])\s*/i);
      const icdPrefixes = icd ? codeList(icd) : [];
      const quiet = icdPrefixes.length === 0 ? quietIndication((text ?? '').trim(), basis) : { prefixes: [] };
      const indication: Limit = {
        kind: 'indication',
        text: (text ?? '').trim() || basis,
        icdPrefixes,
        ...(quiet.prefixes.length > 0 && { quietIcdPrefixes: quiet.prefixes }),
        ...(quiet.minAgeYears !== undefined && { quietMinAgeYears: quiet.minAgeYears }),
        ...(quiet.priorClasses !== undefined && { quietPriorClasses: quiet.priorClasses }),
      };
      // 「…的住院患者方予支付」: the diagnosis stays a question, the setting is a fact the request carries.
      return { ok: true, kind: 'indication', limits: withInpatientOnly(indication, `${text ?? ''}\n${basis}`) };
    }
    case 'dept_limit': {
      const codes = codeList(value);
      return codes.length > 0 ? one('dept_limit', { kind: 'dept_limit', deptCodes: codes }) : fail('缺少科室代码');
    }
    case 'doctor_title_limit': {
      const rank =
        /主任医师/.test(value) && !/副/.test(value)
          ? 5
          : /副主任/.test(value)
            ? 4
            : /主治/.test(value)
              ? 3
              : /医师/.test(value)
                ? 2
                : /医士/.test(value)
                  ? 1
                  : Number(value);
      if ([1, 2, 3, 4, 5].includes(rank))
        return one('doctor_title_limit', { kind: 'doctor_title_limit', minTitle: rank as 1 | 2 | 3 | 4 | 5 });
      return fail('职称应为 医士 / 医师 / 主治医师 / 副主任医师 / 主任医师 或 1–5');
    }
    case 'second_line': {
      // limit_value: first-line codes (local rows), or words, which are read with the basis for the first-line
      // therapy they name (first-line-classes.ts); national points have only the basis. In words, only national
      // drug codes count as codes.
      const words = HAN.test(value) ? value : '';
      const tokens = value ? codeList(value) : [];
      const firstLineCodes = words ? tokens.filter((t) => DRUG_CODE.test(t)) : tokens;
      const { classes, therapy, addOn } = readFirstLine(`${words}\n${basis}`);
      return one('second_line', {
        kind: 'second_line',
        firstLineCodes,
        ...(classes.length > 0 && { firstLineClasses: classes, firstLineTherapy: therapy }),
        ...(classes.length > 0 && addOn && { firstLineAddOn: true as const }),
      });
    }
    default:
      if ((CHECK_KINDS as readonly string[]).includes(limitType)) {
        return { ok: false, error: `limit_type ${limitType} 是规则级检查，不需要知识点`, field: 'limit_type' };
      }
      return { ok: false, error: `未知的 limit_type ${JSON.stringify(limitType)}`, field: 'limit_type' };
  }
}

import type { CheckKind } from '../library/model';
import { checkDataQuality } from './data-quality';
import { checkDrugClassDuplicate } from './drug-class-duplicate';
import { checkDuplicateCharge } from './duplicate-charge';
import {
  checkDeptLimit,
  checkDoctorTitle,
  checkHospitalLevel,
  checkInsuranceType,
  checkInternetVisit,
  checkVisitType,
} from './encounter-limits';
import type { PointCheck, RuleCheck } from './hit';
import { checkIndication } from './indication';
import { checkMaxItemsPerRx } from './max-items-per-rx';
import { checkAgeGroup, checkAgeRange, checkSex } from './patient-limits';
import { checkMaxPayDays, checkMaxQtyPerNDays, checkMaxQtyPerPeriod } from './quantity-limits';
import { checkSecondLine } from './second-line';
import { checkSurgeryDiscount } from './surgery-discount';
import { checkTcmNotPaid } from './tcm';

/** Checks driven by the code index. tcm_single_not_paid is decided per prescription in evaluate-request.ts. */
export const POINT_CHECKS: Partial<Record<CheckKind, PointCheck>> = {
  sex: checkSex,
  age_group: checkAgeGroup,
  age_range: checkAgeRange,
  insurance_type: checkInsuranceType,
  visit_type: checkVisitType,
  min_hospital_level: checkHospitalLevel,
  max_pay_days: checkMaxPayDays,
  max_qty_per_period: checkMaxQtyPerPeriod,
  max_qty_per_n_days: checkMaxQtyPerNDays,
  time_window: checkDuplicateCharge,
  same_incision_group: checkSurgeryDiscount,
  tcm_not_paid: checkTcmNotPaid,
  internet_visit: checkInternetVisit,
  indication: checkIndication,
  dept_limit: checkDeptLimit,
  doctor_title_limit: checkDoctorTitle,
  second_line: checkSecondLine,
};

export const RULE_CHECKS: Partial<Record<CheckKind, RuleCheck>> = {
  drug_class_duplicate: checkDrugClassDuplicate,
  max_items_per_rx: checkMaxItemsPerRx,
  data_quality: checkDataQuality,
};

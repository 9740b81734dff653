import type { AnalysisInput } from '@prealert/core';
import type { CatalogueItem, DemoPatient } from './demo-data.js';

export function formatDateTime(date: Date): string;
export function formatDate(date: Date): string;
export const VISITS: Record<
  'outpatient' | 'inpatient',
  { label: string; medMdtrtType: string; medType: string; trigScen: string; prefix: string }
>;
export function encounterId(patient: DemoPatient, visit: 'outpatient' | 'inpatient', opened: Date): string;
/** The clinic of a 门诊 visit, the ward of a 住院 one. */
export function visitDepartment(
  patient: DemoPatient,
  visit: 'outpatient' | 'inpatient',
): { code: string; name: string };
export function buildAnalysisInput(state: {
  patient: DemoPatient;
  visit: 'outpatient' | 'inpatient';
  orders: { rxId: string; item: CatalogueItem; cnt: number }[];
  taskId: string;
  now: Date;
  /** When the visit began (default `now`): dates the encounter, whatever the clock says later. */
  visitOpened?: Date;
}): AnalysisInput;

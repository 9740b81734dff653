export interface CatalogueItem {
  code: string;
  name: string;
  kind: 'drug' | 'service';
  hilistType: string;
  chrgType: string;
  spec: string;
  unit: string;
  price: number;
  note: string;
}
export interface DemoPatient {
  id: string;
  name: string;
  gend: '1' | '2';
  brdy: string;
  visit: 'outpatient' | 'inpatient';
  deptCode: string;
  deptName: string;
  /** The 病区 of a 住院 visit (deptCode/deptName: the clinic of a 门诊 one). */
  ward: { code: string; name: string };
  diagnosis: { code: string; name: string };
}
export const CATALOGUE: CatalogueItem[];
export const PATIENTS: DemoPatient[];
export const DEMO_PRESCRIPTION: { code: string; cnt: number }[];
export const HOSPITAL: { fixmedins_code: string; fixmedins_name: string; admdvs: string; level: string };
export const DOCTOR: { code: string; name: string; title: string };
export function findCatalogueItem(text: string): CatalogueItem | undefined;

/**
 * Orders for the demo station's request builder (examples/web-his his-request.js) on real national codes, for the
 * widget tests that answer 3101 results they built themselves rather than the embed page's own two warnings.
 */
import { CATALOGUE, type CatalogueItem, type DemoPatient } from '../../examples/web-his/public/demo-data.js';

/** A drug as the demo's catalogue lists one (hilist_type 101 西药中成药, chrg_type 09 西药费), sold by the box. */
export const drug = (code: string, name: string, price: number): CatalogueItem => ({
  code,
  name,
  kind: 'drug',
  hilistType: '101',
  chrgType: '09',
  spec: '',
  unit: '盒',
  price,
  note: '',
});

/**
 * An adult woman with a cold (J06.900) at the 内科 clinic, keyed by `id`: each test keeps its own patient, so the
 * decisions of another do not come back on its results (prior_dspo).
 */
export const womanWithCold = (id: string): DemoPatient => ({
  id,
  name: '测女',
  gend: '2',
  brdy: '1990-05-12',
  visit: 'outpatient',
  deptCode: 'A01',
  deptName: '内科门诊',
  ward: { code: 'B01', name: '内科病区' },
  diagnosis: { code: 'J06.900', name: '急性上呼吸道感染' },
});

// 限适应症 drugs whose indication a cold is not: for her each asks only for a confirmation.
export const EXENATIDE = drug('XA10BJA085B002010106474', '艾塞那肽注射液', 380);
export const ALLISARTAN = drug('XC09CAA284A001010100553', '阿利沙坦酯片', 30);
export const LATAMOXEF = drug('XJ01DDL014B001010100609', '注射用拉氧头孢钠', 25);

// 复方氨基酸注射液(18AA) from the demo's catalogue: 药品限就医方式, a warning that needs a reason (wf_impact reason).
export const AMINO_ACIDS = CATALOGUE.find((item) => item.code === 'XB05BAF150B002010100269')!;

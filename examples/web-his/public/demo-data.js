/**
 * Demo catalogue and patients. Every hilist_code below is a real national code taken from the NHSA
 * knowledge-point files (/work/shared/data/nhsa); the note says which published limit it carries.
 * Prices, names of patients, doctors and the hospital are invented for the demo.
 */

/** @typedef {{ code: string, name: string, kind: 'drug' | 'service', hilistType: string, chrgType: string, spec: string, unit: string, price: number, note: string }} CatalogueItem */

/** @type {CatalogueItem[]} */
export const CATALOGUE = [
  {
    code: 'XG04BET001A001010100299',
    name: '他达拉非片',
    kind: 'drug',
    hilistType: '101',
    chrgType: '09',
    spec: '5mg×28片',
    unit: '盒',
    price: 58,
    note: '第一批 药品区分性别使用：限男性',
  },
  {
    code: 'XG04CXP102A001020101575',
    name: '普适泰片',
    kind: 'drug',
    hilistType: '101',
    chrgType: '09',
    spec: '375mg×30片',
    unit: '盒',
    price: 36.8,
    note: '第一批 药品区分性别使用：限男性',
  },
  {
    code: 'XG03DBD084A001010102180',
    name: '地屈孕酮片',
    kind: 'drug',
    hilistType: '101',
    chrgType: '09',
    spec: '10mg×20片',
    unit: '盒',
    price: 80,
    note: '第一批 药品区分性别使用：限女性',
  },
  {
    code: 'XM01AEX094D001010101792',
    name: '小儿布洛芬栓',
    kind: 'drug',
    hilistType: '101',
    chrgType: '09',
    spec: '50mg×10粒',
    unit: '盒',
    price: 12.5,
    note: '第一批 药品儿童专用',
  },
  {
    code: 'XN02BEX097A001010105889',
    name: '小儿对乙酰氨基酚片',
    kind: 'drug',
    hilistType: '101',
    chrgType: '09',
    spec: '0.1g×12片',
    unit: '盒',
    price: 6.5,
    note: '第一批 药品儿童专用',
  },
  {
    code: 'XB05BAF150B002010100269',
    name: '复方氨基酸注射液(18AA)',
    kind: 'drug',
    hilistType: '101',
    chrgType: '09',
    spec: '250ml:12.5g',
    unit: '瓶',
    price: 45,
    note: '第四批 药品限就医方式：限住院',
  },
  {
    code: 'XA10BJA085B002010106474',
    name: '艾塞那肽注射液',
    kind: 'drug',
    hilistType: '101',
    chrgType: '09',
    spec: '250μg:1.2ml',
    unit: '支',
    price: 380,
    note: '第十二批 药品限适应症：限2型糖尿病（仅文字：诊断 E11 时不提醒，否则需医生确认）',
  },
  {
    code: '003102050010100',
    name: '葡萄糖耐量试验(口服)',
    kind: 'service',
    hilistType: '201',
    chrgType: '04',
    spec: '次',
    unit: '次',
    price: 40,
    note: '第七批 重复收费：内含葡萄糖测定（单日）',
  },
  {
    code: '002503020010000',
    name: '葡萄糖测定',
    kind: 'service',
    hilistType: '201',
    chrgType: '04',
    spec: '项',
    unit: '项',
    price: 8,
    note: '第七批 重复收费：被葡萄糖耐量试验包含（单日）',
  },
  {
    code: '002501030010000',
    name: '粪便常规',
    kind: 'service',
    hilistType: '201',
    chrgType: '04',
    spec: '次',
    unit: '次',
    price: 5,
    note: '第七批 重复收费：内含粪寄生虫镜检（单日）',
  },
  {
    code: '002506010010000',
    name: '粪寄生虫镜检',
    kind: 'service',
    hilistType: '201',
    chrgType: '04',
    spec: '次',
    unit: '次',
    price: 6,
    note: '第七批 重复收费：被粪便常规包含（单日）',
  },
  {
    code: '002501040040000',
    name: '精液常规检查',
    kind: 'service',
    hilistType: '201',
    chrgType: '04',
    spec: '次',
    unit: '次',
    price: 30,
    note: '第一批 医疗服务项目区分性别使用：限男性',
  },
];

/**
 * `deptCode`/`deptName`: the clinic of a 门诊 visit; `ward`: the 病区 of a 住院 one (the station switches between them).
 * @typedef {{ id: string, name: string, gend: '1' | '2', brdy: string, visit: 'outpatient' | 'inpatient', deptCode: string, deptName: string, ward: { code: string, name: string }, diagnosis: { code: string, name: string } }} DemoPatient
 */

/** @type {DemoPatient[]} */
export const PATIENTS = [
  {
    id: 'DEMO-P001',
    name: '李秀梅',
    gend: '2',
    brdy: '1990-05-12',
    visit: 'outpatient',
    deptCode: 'A03',
    deptName: '内分泌科门诊',
    ward: { code: 'B03', name: '内分泌科病区' },
    diagnosis: { code: 'E11.900', name: '2型糖尿病' },
  },
  {
    id: 'DEMO-P002',
    name: '张建国',
    gend: '1',
    brdy: '1958-03-02',
    visit: 'inpatient',
    deptCode: 'A05',
    deptName: '泌尿外科门诊',
    ward: { code: 'B07', name: '泌尿外科病区' },
    diagnosis: { code: 'N40.x00', name: '前列腺增生' },
  },
  {
    id: 'DEMO-P003',
    name: '王小宝',
    gend: '1',
    brdy: '2019-07-01',
    visit: 'outpatient',
    deptCode: 'A07',
    deptName: '儿科门诊',
    ward: { code: 'B11', name: '儿科病区' },
    diagnosis: { code: 'J06.900', name: '急性上呼吸道感染' },
  },
];

/** What a new user types first: one line per published rule kind the demo shows (for 李秀梅, 门诊). */
export const DEMO_PRESCRIPTION = [
  { code: 'XG04BET001A001010100299', cnt: 1 },
  { code: 'XM01AEX094D001010101792', cnt: 1 },
  { code: 'XB05BAF150B002010100269', cnt: 2 },
  { code: '003102050010100', cnt: 1 },
  { code: '002503020010000', cnt: 1 },
];

export const HOSPITAL = {
  fixmedins_code: 'H11010500001',
  fixmedins_name: '示范人民医院（演示）',
  admdvs: '110105',
  level: '3',
};

export const DOCTOR = { code: 'D0001', name: '王医生', title: '233' };

/** @param {string} text */
export function findCatalogueItem(text) {
  const wanted = text.trim();
  if (wanted === '') return undefined;
  const exact = CATALOGUE.find((item) => item.code === wanted || item.name === wanted);
  if (exact) return exact;
  const partial = CATALOGUE.filter((item) => item.name.includes(wanted) || item.code.startsWith(wanted));
  return partial.length === 1 ? partial[0] : undefined;
}

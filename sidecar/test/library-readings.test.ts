/**
 * The library-fidelity review's requests (F1, F5, F6, F7) sent to a listening sidecar on the bundled national
 * library, over HTTP on loopback as a HIS sends them: a 二级 hospital's anti-VEGF injection, outpatient 银杏内酯 and
 * 15AA-SF, and what /v1/status says the library's points can check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

type Server = Awaited<ReturnType<typeof testServer>>;

interface Shape {
  name: string;
  code: string;
  price: number;
  medinsLv: string;
  diagnosis: [string, string];
}

/** The reviewer's request (review-library reqs/*.json): one current order line, an outpatient visit (门诊 11). */
function request({ name, code, price, medinsLv, diagnosis }: Shape, id: string): Record<string, unknown> {
  const encounter = `MZ${id}`;
  return {
    infno: '3101',
    msgid: `H110105000012026113009450${id.length}`,
    mdtrtarea_admvs: '110105',
    insuplc_admdvs: '110105',
    recer_sys_code: 'YBXT',
    infver: 'V1.0',
    opter_type: '1',
    opter: 'D001',
    opter_name: '李医生',
    inf_time: '2026-11-30 09:40:00',
    fixmedins_code: 'H11010500001',
    fixmedins_name: '北京某医院',
    input: {
      data: {
        syscode: 'HIS',
        task_id: `T-${id}`,
        trig_scen: '1',
        rule_ids: [],
        patient_dtos: [
          {
            patn_id: `P-${id}`,
            patn_name: '患者',
            gend: '1',
            brdy: '1980-01-01',
            poolarea: '110105',
            curr_mdtrt_id: encounter,
            fsi_his_data_dto: [],
            fsi_encounter_dtos: [
              {
                mdtrt_id: encounter,
                medins_id: 'H11010500001',
                medins_name: '北京某医院',
                medins_admdvs: '110105',
                medins_type: '1',
                medins_lv: medinsLv,
                adm_date: '2026-11-30 09:00:00',
                dscg_date: '2026-11-30 09:00:00',
                dscg_main_dise_codg: diagnosis[0],
                dscg_main_dise_name: diagnosis[1],
                fsi_diagnose_dtos: [
                  {
                    dise_id: 'DX0',
                    inout_dise_type: '1',
                    maindise_flag: '1',
                    dias_srt_no: '1',
                    dise_codg: diagnosis[0],
                    dise_name: diagnosis[1],
                    dise_date: '2026-11-30 09:00:00',
                  },
                ],
                dr_codg: 'D001',
                adm_dept_codg: 'NK01',
                adm_dept_name: '内科',
                dscg_dept_codg: 'NK01',
                dscg_dept_name: '内科',
                med_mdtrt_type: '1',
                med_type: '11',
                insutype: '310',
                fsi_order_dtos: [
                  {
                    rx_id: 'RX-1',
                    rxno: 'CF1',
                    grpno: '',
                    long_drord_flag: '0',
                    hilist_type: '101',
                    chrg_type: '11',
                    drord_bhvr: '0',
                    hilist_code: code,
                    hilist_name: name,
                    hilist_lv: '乙',
                    hilist_pric: price,
                    hosplist_code: 'H1',
                    hosplist_name: name,
                    cnt: 1,
                    pric: price,
                    sumamt: price,
                    ownpay_amt: 0,
                    selfpay_amt: 0,
                    spec: '',
                    spec_unt: '盒',
                    drord_begn_date: '2026-11-30 09:00:00',
                    drord_dept_codg: 'NK01',
                    drord_dept_name: '内科',
                    drord_dr_codg: 'D001',
                    drord_dr_name: '李医生',
                    drord_dr_profttl: '231',
                    curr_drord_flag: '1',
                  },
                ],
              },
            ],
          },
        ],
      },
    },
  };
}

const RANIBIZUMAB: Omit<Shape, 'medinsLv'> = {
  name: '雷珠单抗注射液',
  code: 'XS01LAL328B002010104021',
  price: 1500,
  diagnosis: ['E11.300x001', '2型糖尿病性视网膜病变'],
};
const GINKGOLIDE: Shape = {
  name: '银杏内酯注射液',
  code: 'ZA12HAY0759010106725',
  price: 80,
  medinsLv: '31',
  diagnosis: ['I63.900', '脑梗死'],
};
const AA15_SF: Shape = {
  name: '复方氨基酸注射液(15AA-SF)',
  code: 'XB05BAF145B002010101949',
  price: 40,
  medinsLv: '31',
  diagnosis: ['K74.600', '肝硬化'],
};

const results = (reply: { body: NationalReply }) => {
  const output = reply.body.output as { result: Record<string, unknown>[] };
  return output.result.map((r) => ({
    rule: r.rule_id,
    sev: r.sev_deg,
    impact: r.wf_impact,
    amount: r.vola_amt,
    text: r.vola_cont,
  }));
};

let server: Server;
let eyeHospital: Server;

beforeAll(async () => {
  server = await testServer();
  await server.listen();
  eyeHospital = await testServer({ evaluator: { specialtyHospital: ['眼科'] } });
  await eyeHospital.listen();
});

afterAll(async () => {
  await server.close();
  await eyeHospital.close();
});

describe('anti-VEGF injection at a 二级 hospital (review F1)', () => {
  it('asks to confirm, naming the eye hospital its basis admits; at 一级 it is 明确违规 as before', async () => {
    expect(results(await callOverHttp(server, request({ ...RANIBIZUMAB, medinsLv: '21' }, 'lv2')))).toEqual([
      {
        rule: 'GZ10000101012000',
        sev: '3',
        impact: 'confirm',
        amount: 0,
        text: '【雷珠单抗注射液】限三级及以上医疗机构或二级及以上眼科专科医院使用，本机构等级代码 21，按二级医疗机构判断，请确认本院是否为眼科专科医院。',
      },
    ]);
    expect(results(await callOverHttp(server, request({ ...RANIBIZUMAB, medinsLv: '11' }, 'lv1')))).toEqual([
      {
        rule: 'GZ10000101012000',
        sev: '1',
        impact: 'reason',
        amount: 1500,
        text: '【雷珠单抗注射液】限三级及以上医疗机构或二级及以上眼科专科医院使用，本机构等级代码 11，按一级医疗机构判断。',
      },
    ]);
  });

  it('a workstation configured as an eye hospital (evaluator.specialtyHospital) is not asked', async () => {
    expect(results(await callOverHttp(eyeHospital, request({ ...RANIBIZUMAB, medinsLv: '21' }, 'eye2')))).toEqual([]);
    expect(
      results(await callOverHttp(eyeHospital, request({ ...RANIBIZUMAB, medinsLv: '11' }, 'eye1'))).map((r) => r.sev),
    ).toEqual(['1']);
  });
});

describe('住院 limits read from a text are reported under 药品限就医方式 (review F5, F6)', () => {
  it('outpatient 银杏内酯注射液: the doctor and /metrics name the visit-type rule, not 药品限支付疗程', async () => {
    expect(results(await callOverHttp(server, request(GINKGOLIDE, 'ginkgolide')))).toEqual([
      {
        rule: 'PA-DRUG-VISIT-TYPE',
        sev: '1',
        impact: 'reason',
        amount: 80,
        text: '【银杏内酯注射液】限住院患者使用，本次为门诊就诊（普通门诊，医疗类别 11）。',
      },
    ]);
    const metrics = (await server.app.inject({ url: '/metrics' })).payload;
    expect(metrics).toContain('prealert_rule_hits_total{rule_id="PA-DRUG-VISIT-TYPE"}');
    expect(metrics).not.toContain('prealert_rule_hits_total{rule_id="GZ10000101010000"}');
  });

  it('outpatient 复方氨基酸注射液(15AA-SF) gets the visit-type reminder its sibling 15AA gets', async () => {
    expect(results(await callOverHttp(server, request(AA15_SF, 'aa15sf'))).map((r) => [r.rule, r.sev])).toEqual([
      ['PA-DRUG-VISIT-TYPE', '1'],
    ]);
  });
});

describe('/v1/status library.coverage (review F7)', () => {
  it('counts what the bundled library’s points can check', async () => {
    const status = JSON.parse((await server.app.inject({ url: '/v1/status' })).payload);
    expect(status.library.coverage).toEqual({
      points: status.library.knowledge_points,
      factual: 2473,
      indicationTextOnly: 435,
      indicationQuietOnDiagnosis: 75,
      secondLineClassFallback: 50,
      hospitalLevel: 61,
      hospitalLevelSpecialty: 5,
      employmentAge: 1,
      internetVisit: 22,
      inStageOnly: 378,
    });
  });
});

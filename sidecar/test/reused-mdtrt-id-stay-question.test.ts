/**
 * A HIS that uses its 住院号 as mdtrt_id sends a readmission under the id of the stay before it, with that stay as
 * history (inpatient review, s12_same_mdtrt_two_stays). A stay question (药品区分性别使用: one jr_id per stay) the
 * doctor continued in the first admission must be asked again in the second, not come back prior_dspo with the first
 * stay's reason; the second admission's own 继续执行 then stands for the rest of it. IT is told once that the HIS
 * reuses the id, without the patient's name or ID number. A real sidecar with a real SQLite file over loopback HTTP,
 * answering on the analysis thread and on the request thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AnalysisThreadStatus } from '../src/analysis/analysis-thread';
import { analysisEnvelope, feedbackEnvelope, ID_NUMBER, SEX_RULE_DRUG } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';
import { until } from './helpers/until';

type Server = Awaited<ReturnType<typeof testServer>>;
type Result = NonNullable<NationalReply['output']['result']>[number] & {
  mdtrt_id: string;
  prior_dspo?: boolean;
  dspo_way_rea?: string;
};
type Encounter = Record<string, unknown> & { fsi_order_dtos: Record<string, unknown>[] };

const ADMISSION_NO = '0000123456';
const PATIENT_NAME = '钱重住';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Waits until the analysis thread holds the library (it builds its copy after the request thread). */
async function onWorker(server: Server): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await server.app.inject({ method: 'GET', url: '/v1/status' });
    const status = (response.json() as { analysis: AnalysisThreadStatus | null }).analysis;
    if (status?.evaluating_on === 'worker') return;
    if (Date.now() > deadline) throw new Error(`still not evaluating on the worker: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The Shanghai calendar day `back` days before today, as a HIS writes it: the admissions are recent ones. */
function daysAgo(back: number): string {
  return new Date(Date.now() + 8 * 3_600_000 - back * 86_400_000).toISOString().slice(0, 10);
}

/**
 * One admission of the woman under the reused 住院号: one male-only drug ordered on its admission day, rx_ids of
 * its own (`rx`). `dscg` as the HIS fills it: the admission time while she is in (S-01), a real day once she left.
 */
function admission(rx: string, adm: string, dscg: string, current: boolean): Encounter {
  const envelope = analysisEnvelope({
    patientId: ID_NUMBER,
    patientName: PATIENT_NAME,
    encounterId: ADMISSION_NO,
    rxPrefix: rx,
    lines: 1,
    firing: 1,
  });
  const encounter = patientOf(envelope).fsi_encounter_dtos[0]!;
  Object.assign(encounter, { med_mdtrt_type: '2', med_type: '21', adm_date: `${adm} 09:00:00`, dscg_date: dscg });
  for (const order of encounter.fsi_order_dtos) {
    order.drord_begn_date = `${adm} 09:30:00`;
    order.curr_drord_flag = current ? '1' : '0';
  }
  return encounter;
}

function patientOf(envelope: Record<string, unknown>): { fsi_encounter_dtos: Encounter[] } {
  return (envelope.input as { data: { patient_dtos: { fsi_encounter_dtos: Encounter[] }[] } }).data.patient_dtos[0]!;
}

/** A 3101 of the patient with these encounters (curr_mdtrt_id the 住院号). */
function request(encounters: Encounter[]): Record<string, unknown> {
  const envelope = analysisEnvelope({
    patientId: ID_NUMBER,
    patientName: PATIENT_NAME,
    encounterId: ADMISSION_NO,
    taskId: 'T-READMIT',
  });
  patientOf(envelope).fsi_encounter_dtos = encounters;
  return envelope;
}

async function sexQuestion(server: Server, envelope: unknown): Promise<Result> {
  const reply = await callOverHttp(server, envelope);
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  const results = (reply.body.output.result as Result[]).filter((r) => r.rule_id === SEX_RULE_DRUG);
  expect(results).toHaveLength(1);
  return results[0]!;
}

async function continueWith(server: Server, jrId: string, reason: string): Promise<void> {
  const answered = await callOverHttp(server, feedbackEnvelope([{ jrId, way: '1', reason }], '1'));
  expect(answered.body.infcode, answered.body.err_msg).toBe(0);
}

describe.each([
  ['on the analysis thread', true],
  ['on the request thread', false],
])('a readmission under a reused mdtrt_id, %s', (_name, analysisThread) => {
  it('asks the stay question again after a 继续执行 in the first admission, and tells IT once', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({ analysisThread }, { logger });
    servers.push(server);
    await server.listen();
    if (analysisThread) await onWorker(server);

    // First admission, 10 days ago, still in hospital: asked, and continued.
    const firstAdm = daysAgo(10);
    const inFirst = await sexQuestion(server, request([admission('A', firstAdm, `${firstAdm} 09:00:00`, true)]));
    const firstReason = '第一次住院已核实，继续执行';
    await continueWith(server, inFirst.jr_id, firstReason);
    const again = await sexQuestion(server, request([admission('A', firstAdm, `${firstAdm} 09:00:00`, true)]));
    expect(again.jr_id).toBe(inFirst.jr_id);
    expect(again.dspo_way_rea).toBe(firstReason);

    // Discharged 7 days ago, readmitted yesterday under the same 住院号; the HIS sends the first stay as history.
    const history = admission('A', firstAdm, `${daysAgo(7)} 10:00:00`, false);
    const secondAdm = daysAgo(1);
    const readmitted = (): Record<string, unknown> =>
      request([history, admission('B', secondAdm, '9999-12-31 00:00:00', true)]);
    const inSecond = await sexQuestion(server, readmitted());
    expect(inSecond.mdtrt_id).toBe(ADMISSION_NO);
    expect(inSecond.jr_id).not.toBe(inFirst.jr_id);
    expect(inSecond.prior_dspo, `answered with the first stay's ${inSecond.dspo_way_rea}`).toBeUndefined();
    expect(inSecond.dspo_way_rea).toBeUndefined();

    // The second admission's own answer stands for the rest of it.
    const secondReason = '第二次住院已核实，继续执行';
    await continueWith(server, inSecond.jr_id, secondReason);
    const later = await sexQuestion(server, readmitted());
    expect(later.jr_id).toBe(inSecond.jr_id);
    expect(later.prior_dspo).toBe(true);
    expect(later.dspo_way_rea).toBe(secondReason);

    // On the analysis thread the line crosses to this one as a message of its own: polled for rather than slept on, so
    // that a slow crossing on a loaded machine cannot fail the test; then a moment more for a second, which must not come.
    const toldOf = () => lines.filter((l) => String(l.msg).includes('one mdtrt_id was sent for two admissions'));
    await until(() => toldOf().length > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const told = toldOf();
    expect(told).toHaveLength(1);
    expect(told[0]!.level).toBe(40);
    expect(told[0]!.fields).toEqual(['input.data.patient_dtos[0].fsi_encounter_dtos[1].mdtrt_id']);
    expect(told[0]!.task_id).toBe('T-READMIT');
    const text = JSON.stringify(told[0]);
    expect(text).not.toContain(ID_NUMBER);
    expect(text).not.toContain(PATIENT_NAME);
    expect(text).not.toContain(ADMISSION_NO);
  });
});

/**
 * Hainan's 3660 / 3661 (3101-3103.md §5.2, S-01 alone; audit D3): camelCase nodes under `input.trigScen`, psn_no /
 * psn_name / insuplc_admdvs for the patient. Read as 3101 / 3102 and answered in the standard shape, against the
 * built sidecar over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_SERVICE_ROUTE } from '../src/national/national-routes';
import { analysisEnvelope, feedbackEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { post as postTo, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';

let sidecar: RunningSidecar;

beforeAll(async () => {
  sidecar = await spawnSidecar(fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-hainan-')));
});
afterAll(async () => {
  await sidecar?.stop();
});

type Json = Record<string, unknown>;

interface Answer {
  infcode: number;
  err_msg: string;
  output: { result?: { jr_id: string; rule_id: string; patn_id: string; mdtrt_id: string; task_id: string }[] };
}

/** Renames a key, keeping its place among the others (as a Java DTO serialiser would write it). */
function rename(node: Json, from: string, to: string): Json {
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k === from ? to : k, v]));
}

/** A national 3101/3102 rewritten as S-01 writes a 3660/3661, with Hainan's extra fields. */
function hainanEnvelope(infno: '3660' | '3661', encounterId: string, options: { singleObjects?: boolean } = {}): Json {
  const standard = analysisEnvelope({
    infno: infno === '3660' ? '3101' : '3102',
    encounterId,
    patientId: 'H460100000123',
    singleObjects: options.singleObjects ?? false,
  });
  const data = (standard.input as { data: Json }).data;
  const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : [value as Json]);
  const shape = <T>(items: T[]): T | T[] => (options.singleObjects ? items[0]! : items);
  const patients = list(data.patient_dtos).map((patient) => {
    let p = rename(rename(rename(patient, 'patn_id', 'psn_no'), 'patn_name', 'psn_name'), 'poolarea', 'insuplc_admdvs');
    p = rename(p, 'fsi_encounter_dtos', 'encounterDtos');
    p.encounterDtos = shape(
      list(p.encounterDtos).map((encounter) => {
        let e = rename(rename(encounter, 'fsi_diagnose_dtos', 'diagnoseDtos'), 'fsi_order_dtos', 'orderDtos');
        e = rename(e, 'fsi_operation_dtos', 'operationDtos');
        e.cvlserv_flag = '0';
        e.diagnoseDtos = (e.diagnoseDtos as Json[]).map((d) => ({ ...d, dise_cgy: '1' }));
        return e;
      }),
    );
    return p;
  });
  const hainanData = rename(data, 'patient_dtos', 'patientDtos');
  hainanData.patientDtos = shape(patients);
  return { ...standard, infno, input: { trigScen: hainanData } };
}

function post(body: unknown): Promise<Answer> {
  return postTo<Answer>(`${sidecar.url}${CALL_SERVICE_ROUTE}`, body);
}

describe('Hainan 3660 / 3661', () => {
  it('answers a 3660 as the same 3101 would be answered, in the standard shape', async () => {
    const hainan = await post(hainanEnvelope('3660', 'MZ-HN-1'));
    expect(hainan.err_msg).toBe('');
    expect(hainan.infcode).toBe(0);
    expect(hainan.output.result?.map((r) => r.rule_id)).toEqual([SEX_RULE_DRUG, SEX_RULE_DRUG]);
    expect(hainan.output.result?.every((r) => r.patn_id === 'H460100000123' && r.mdtrt_id === 'MZ-HN-1')).toBe(true);
    const national = await post(analysisEnvelope({ encounterId: 'MZ-HN-1', patientId: 'H460100000123' }));
    expect(hainan.output.result).toEqual(national.output.result);
  });

  it('evaluates a 3661 as 3102, and records it so', async () => {
    const envelope = hainanEnvelope('3661', 'MZ-HN-2');
    const answer = await post(envelope);
    expect(answer.infcode).toBe(0);
    expect(answer.output.result).toHaveLength(2);
    const taskId = answer.output.result![0]!.task_id;
    const task = (await (await fetch(`${sidecar.url}/v1/tasks/${encodeURIComponent(taskId)}`)).json()) as Json;
    expect(task.infno).toBe('3102');
  });

  it('takes single objects (S-01 sends them), the data node, and the 门诊 scene "1,2"', async () => {
    const single = hainanEnvelope('3660', 'MZ-HN-3', { singleObjects: true });
    ((single.input as { trigScen: Json }).trigScen as Json).trig_scen = '1,2';
    expect((await post(single)).output.result).toHaveLength(2);
    const dataNode = hainanEnvelope('3660', 'MZ-HN-4');
    dataNode.input = { data: (dataNode.input as { trigScen: Json }).trigScen };
    expect((await post(dataNode)).output.result).toHaveLength(2);
  });

  it('names a bad field by the path the client sent', async () => {
    const envelope = hainanEnvelope('3660', 'MZ-HN-5');
    const patient = ((envelope.input as { trigScen: Json }).trigScen.patientDtos as Json[])[0]!;
    delete patient.psn_no;
    const orders = (patient.encounterDtos as Json[])[0]!.orderDtos as Json[];
    orders[1]!.cnt = 'abc';
    const answer = await post(envelope);
    expect(answer.infcode).toBe(-1);
    expect(answer.err_msg).toContain('input.trigScen.patientDtos[0].psn_no');
    expect(answer.err_msg).toContain('input.trigScen.patientDtos[0].encounterDtos[0].orderDtos[1].cnt');
    expect(answer.err_msg).not.toMatch(/patient_dtos|fsi_order_dtos|patn_id/);
  });

  it('reads the national name where a node has both', async () => {
    const envelope = hainanEnvelope('3660', 'MZ-HN-6');
    const patient = ((envelope.input as { trigScen: Json }).trigScen.patientDtos as Json[])[0]!;
    patient.patn_id = 'HIS-0006';
    const answer = await post(envelope);
    expect(answer.output.result?.every((r) => r.patn_id === 'HIS-0006')).toBe(true);
  });

  it('is answered with 3103 like any 3101', async () => {
    const answer = await post(hainanEnvelope('3660', 'MZ-HN-7'));
    const feedback = await post(feedbackEnvelope([{ jrId: answer.output.result![0]!.jr_id, way: '2' }]));
    expect(feedback.infcode).toBe(0);
  });

  it('still refuses an infno it does not know, naming what it takes', async () => {
    const answer = await post({ ...hainanEnvelope('3660', 'MZ-HN-8'), infno: '3662' });
    expect(answer.infcode).toBe(-1);
    expect(answer.err_msg).toMatch(/infno "3662" 不支持.*3660、3661/);
  });
});

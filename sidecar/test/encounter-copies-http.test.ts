/**
 * A patient's encounters and rx_ids as a vendor sends them, over HTTP against the built sidecar: one mdtrt_id listed
 * twice (the current visit appended to the history list) is one encounter whose new order is reminded, and the
 * reminder page names it; curr_mdtrt_id naming none of several encounters, and two items under one rx_id, are refused
 * with infcode -1 naming the field, instead of flagging a 10-day-old visit or naming the wrong drug.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_SERVICE_ROUTE } from '../src/national/national-routes';
import { analysisEnvelope, nationalItems } from './fixtures/his-requests';
import { type NationalAnswer, post, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';

let sidecar: RunningSidecar;

beforeAll(async () => {
  sidecar = await spawnSidecar(fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-encounters-')));
});
afterAll(async () => {
  await sidecar?.stop();
});

type Row = Record<string, unknown>;
interface Envelope {
  input: { data: { patient_dtos: { curr_mdtrt_id?: string; fsi_encounter_dtos: Row[] }[] } };
}

/** An adult woman's 3101: line 1 a male-only item (reminded when current), line 2 a female-only one. */
function request(taskId: string, encounterId: string): Envelope {
  return analysisEnvelope({ taskId, encounterId, lines: 2, firing: 1 }) as unknown as Envelope;
}

const orderRows = (encounter: Row) => encounter.fsi_order_dtos as Row[];
const call = (body: Envelope) => post<NationalAnswer>(`${sidecar.url}${CALL_SERVICE_ROUTE}`, body);

describe('encounters and rx_ids over HTTP', () => {
  it('the same mdtrt_id twice: the second copy’s new order is reminded, and the reminder page names it', async () => {
    const body = request('T-COPIES', 'MZ-COPIES');
    const patient = body.input.data.patient_dtos[0]!;
    const history = patient.fsi_encounter_dtos[0]!;
    const current = structuredClone(history);
    const [maleOnly, femaleOnly] = orderRows(history);
    // The history list holds the earlier (female-only) line; the appended current visit the new male-only order.
    femaleOnly!.curr_drord_flag = '0';
    history.fsi_order_dtos = [femaleOnly];
    current.fsi_order_dtos = [maleOnly];
    patient.fsi_encounter_dtos = [history, current];

    const answer = await call(body);
    expect(answer.infcode).toBe(0);
    const result = answer.output.result!;
    expect(result).toHaveLength(1);
    const details = result[0]!.judge_result_detail_dtos as { rx_id: string; vola_item_type: string }[];
    expect(details.map((d) => [d.rx_id, d.vola_item_type])).toEqual([[maleOnly!.rx_id, '1']]);

    const task = await fetch(`${sidecar.url}/v1/tasks/T-COPIES`);
    const view = (await task.json()) as { line_names: Record<string, string> };
    expect(view.line_names).toEqual({ [String(maleOnly!.rx_id)]: nationalItems().maleOnly[0]!.name });
  });

  it('curr_mdtrt_id missing, empty or naming none of two encounters: infcode -1 naming the field', async () => {
    for (const curr of [undefined, '', 'MZ-NONE']) {
      const body = request(`T-CURR-${curr ?? 'missing'}`, 'MZ-NEW');
      const patient = body.input.data.patient_dtos[0]!;
      const old = request('T-OLD', 'MZ-OLD').input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!;
      old.adm_date = '2026-03-05 09:00:00';
      for (const row of orderRows(old)) row.drord_begn_date = '2026-03-05 09:30:00';
      patient.fsi_encounter_dtos.push(old);
      if (curr === undefined) delete patient.curr_mdtrt_id;
      else patient.curr_mdtrt_id = curr;

      const answer = await call(body);
      expect(answer.infcode).toBe(-1);
      expect(answer.err_msg).toContain('input.data.patient_dtos[0].curr_mdtrt_id');
      expect(answer.output.result ?? []).toEqual([]);
    }
  });

  it('two items under one rx_id: infcode -1 naming the repeat and the earlier row', async () => {
    const body = request('T-DUP-RX', 'MZ-DUP-RX');
    const [first, second] = orderRows(body.input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!);
    second!.rx_id = first!.rx_id;

    const answer = await call(body);
    expect(answer.infcode).toBe(-1);
    const orders = 'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos';
    expect(answer.err_msg).toContain(`${orders}[1].rx_id`);
    expect(answer.err_msg).toContain(`${orders}[0].rx_id`);
  });
});

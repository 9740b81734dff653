import type { AnalysisInput } from '@prealert/core';
import { CATALOGUE, type DemoPatient, PATIENTS } from '../../examples/web-his/public/demo-data.js';
import { buildAnalysisInput } from '../../examples/web-his/public/his-request.js';

/** One order line: its rx_id, and the catalogue item it prescribes. */
export interface Line {
  rxId: string;
  code: string;
}

/** The demo station's request for a patient of our own (her own encounter), one line per entry. */
export function demoRequest(patientId: string, taskId: string, lines: readonly Line[]): AnalysisInput {
  const patient: DemoPatient = { ...PATIENTS[0]!, id: patientId };
  return buildAnalysisInput({
    patient,
    visit: 'outpatient',
    orders: lines.map((line) => ({ rxId: line.rxId, item: CATALOGUE.find((c) => c.code === line.code)!, cnt: 1 })),
    taskId,
    now: new Date(),
  });
}

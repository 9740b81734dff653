import { expect } from 'vitest';
import type { SidecarServer } from '../../src/server';
import { analysisEnvelope } from '../fixtures/his-requests';
import { callOverHttp, type NationalReply } from './test-server';

export interface Doctor {
  code: string;
  name: string;
}

export type NationalResult = NonNullable<NationalReply['output']['result']>[number];

/**
 * A 3101 over HTTP with one male-only drug for a woman in `encounterId`, ordered by `doctor`: exactly one reminder,
 * whose result is returned. A task_id of its own each call unless one is given.
 */
export async function raiseOneReminder(
  server: SidecarServer,
  encounterId: string,
  doctor: Doctor,
  taskId = `T-${encounterId}-${Math.random()}`,
): Promise<NationalResult> {
  const reply = await callOverHttp(
    server,
    analysisEnvelope({
      encounterId,
      patientId: `P-${encounterId}`,
      doctorCode: doctor.code,
      doctorName: doctor.name,
      firing: 1,
      lines: 1,
      taskId,
    }),
  );
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  expect(reply.body.output.result).toHaveLength(1);
  return reply.body.output.result![0]!;
}

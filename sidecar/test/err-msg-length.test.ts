import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, testServer } from './helpers/test-server';

// err_msg is 字符 200 (3101-3103.md §1): a HIS stores it in a column that wide. Found by review: a 3101 with many bad
// fields got 889 characters back.
let server: SidecarServer;

beforeAll(async () => {
  server = await testServer();
  await server.listen();
});
afterAll(async () => {
  await server.close();
});

const chars = (text: string) => [...text].length;

type Envelope = { input: { data: { patient_dtos: { fsi_encounter_dtos: { fsi_order_dtos: Order[] }[] }[] } } };
type Order = Record<string, unknown>;

describe('err_msg within 字符 200', () => {
  it('a 3101 with many bad fields: whole errors, the first one first, the rest counted', async () => {
    const envelope = analysisEnvelope({ encounterId: 'MZ-ERR-1', lines: 12 }) as unknown as Envelope;
    const orders = envelope.input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos;
    for (const order of orders) {
      order.drord_begn_date = '2026-13-45 99:99:99';
      delete order.rx_id;
    }
    const { body } = await callOverHttp(server, envelope);
    expect(body.infcode).toBe(-1);
    expect(chars(body.err_msg)).toBeLessThanOrEqual(200);
    expect(body.err_msg).toMatch(/^入参校验失败（共 \d+ 处）: input\.data\.patient_dtos\[0\]\.fsi_encounter_dtos\[0\]/);
    const total = Number(/共 (\d+) 处/.exec(body.err_msg)![1]);
    expect(total).toBeGreaterThanOrEqual(24);
    const shown = body.err_msg.split('; ').length - 1;
    expect(body.err_msg.endsWith(`; …另有 ${total - shown} 处`)).toBe(true);
  });

  it('a 3103 with many problems', async () => {
    const warns = Array.from({ length: 30 }, (_, i) => ({ jrId: `JR-NONE-${i}`, way: '2' as const }));
    const { body } = await callOverHttp(server, feedbackEnvelope(warns));
    expect(body.infcode).toBe(-1);
    expect(chars(body.err_msg)).toBeLessThanOrEqual(200);
    expect(body.err_msg).toMatch(/^反馈校验失败: input\.data\.warns\[0\]\.warn_rslt_id: /);
    const shown = body.err_msg.split('; ').length - 1;
    expect(body.err_msg.endsWith(`; …另有 ${30 - shown} 处`)).toBe(true);
  });

  it('any other failure text, such as a long Origin quoted back', async () => {
    const { body } = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-ERR-2' }), {
      headers: { origin: `http://${'o'.repeat(190)}.example` },
    });
    expect(body.infcode).toBe(-1);
    expect(body.err_msg).toContain('未获准');
    expect(chars(body.err_msg)).toBeLessThanOrEqual(200);
  });
});

/**
 * A ward week of a 药品限二线使用 drug (阿可替尼胶囊, a national point: 既往至少接受过一种治疗的…CLL/SLL、MCL): the
 * doctor continues the card with a reason on the first day; the ward station sends the stay again each day with a
 * new order of the drug. The card asks whether the patient's history shows the first line, which a new day's order does
 * not change, so each later day's card comes back prior_dspo with that reason instead of being asked again (a noise
 * walk found it asked anew every day). Both ways stations re-send a stay: earlier days as context lines, or the whole
 * stay as current. A real sidecar with its real SQLite file over loopback HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';
import { wardDayEnvelope } from './helpers/ward-day-envelope';

const SECOND_LINE = 'GZ10000101005000';
const ACALABRUTINIB = { code: 'XL01ELA387E001010184513', name: '阿可替尼胶囊' };

type Result = NonNullable<NationalReply['output']['result']>[number] & { prior_dspo?: boolean; dspo_way_rea?: string };

let server: SidecarServer & { dataDir: string };
beforeAll(async () => {
  server = await testServer();
  await server.listen();
});
afterAll(async () => {
  await server?.close();
});

/** The stay's 3101 on day `day` (0 = admission, 2026-11-18): one order of the drug per day so far. */
function wardDay(encounterId: string, day: number, earlierCurrent: boolean): Record<string, unknown> {
  const diagnoses = [{ code: 'C91.100', name: '慢性淋巴细胞白血病' }];
  return wardDayEnvelope({ encounterId, day, drug: ACALABRUTINIB, diagnoses, earlierCurrent });
}

async function secondLineCard(envelope: Record<string, unknown>): Promise<Result> {
  const reply = await callOverHttp(server, envelope);
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  const cards = (reply.body.output.result as Result[]).filter((r) => r.rule_id === SECOND_LINE);
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

describe.each([
  ['earlier days as context', 'ZY-SL-CTX', false],
  ['the whole stay as current', 'ZY-SL-ALL', true],
])('a second-line drug ordered daily on the ward, %s', (_name, encounterId, earlierCurrent) => {
  it("comes back prior_dspo on later days after the first day's 继续执行", async () => {
    const first = await secondLineCard(wardDay(encounterId, 0, earlierCurrent));
    expect(first.prior_dspo).toBeUndefined();
    const reason = '外院已用苯丁酸氮芥一线治疗，继续执行';
    const answered = await callOverHttp(server, feedbackEnvelope([{ jrId: first.jr_id, way: '1', reason }]));
    expect(answered.body.infcode, answered.body.err_msg).toBe(0);
    for (const day of [1, 2]) {
      const later = await secondLineCard(wardDay(encounterId, day, earlierCurrent));
      expect(later.jr_id, `day ${day}`).toBe(first.jr_id);
      expect(later.prior_dspo, `day ${day}`).toBe(true);
      expect(later.dspo_way_rea).toBe(reason);
    }
  });
});

/**
 * A long stay's discharge 3102 over real HTTP (review-scale finding 3): `output` within the spec's 40000 characters
 * (3101-3103.md §1.2) by default, every result kept, the record complete; outputMaxChars 0 lifts the bound; an
 * ordinary answer goes out as it did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { longStayDischarge, mixedDischarge } from './fixtures/long-stay';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';
import { until } from './helpers/until';

type Row = { rx_id: string; vola_item_type: string; same_item_rows?: number };
type Result = { jr_id: string; rule_id: string; vola_amt?: number; judge_result_detail_dtos?: Row[] } & Record<
  string,
  unknown
>;

let bounded: SidecarServer;
let unbounded: SidecarServer;

beforeAll(async () => {
  bounded = await testServer();
  unbounded = await testServer({ outputMaxChars: 0 });
  await bounded.listen();
  await unbounded.listen();
});
afterAll(async () => {
  await bounded?.close();
  await unbounded?.close();
});

const outputText = (raw: Buffer) => {
  const text = raw.toString('utf8');
  const parsed = JSON.parse(text) as NationalReply;
  return { parsed, output: JSON.stringify(parsed.output) };
};
const rows = (r: Result) => r.judge_result_detail_dtos ?? [];

/** The result bodies the records database holds for a task, by jr_id. */
async function recorded(server: SidecarServer, taskId: string, count: number): Promise<Map<string, Result>> {
  const query = () =>
    server.db
      .prepare(
        'SELECT DISTINCT b.json FROM result_bodies b JOIN reminders r ON r.jr_id = b.jr_id JOIN tasks t ON t.id = r.first_task WHERE t.task_id = ?',
      )
      .pluck()
      .all(taskId) as string[];
  await until(() => query().length >= count);
  return new Map(query().map((json) => [(JSON.parse(json) as Result).jr_id, JSON.parse(json) as Result]));
}

describe('the output bound over HTTP', () => {
  it('fits a 2,000-line discharge 3102 into 40000 characters, every result and 违规项 row kept, recorded whole', async () => {
    const full = await callOverHttp(unbounded, longStayDischarge(2000, 'T-DSCG-FULL'));
    const fullOut = outputText(full.raw);
    // The stay is what the review sent: over the bound when nothing fits it (the setting lifts it).
    expect(fullOut.output.length).toBeGreaterThan(40_000);
    expect(fullOut.parsed.output.truncated).toBeUndefined();
    const fullResults = fullOut.parsed.output.result as unknown as Result[];
    expect(fullResults.some((r) => rows(r).some((d) => d.vola_item_type !== '1'))).toBe(true);

    const fitted = await callOverHttp(bounded, longStayDischarge(2000, 'T-DSCG-FIT'));
    expect(fitted.status).toBe(200);
    const fittedOut = outputText(fitted.raw);
    expect(fittedOut.parsed.infcode).toBe(0);
    expect(fittedOut.output.length).toBeLessThanOrEqual(40_000);
    expect(fittedOut.parsed.output.truncated).toBe(true);
    const fittedResults = fittedOut.parsed.output.result as unknown as Result[];
    // Every result, each with every 违规项 row (by rx_id), the 涉及项 rows at most one per item.
    const key = (r: Result) => `${r.rule_id} ${rows(r).map((d) => d.rx_id)[0]}`;
    expect(fittedResults.map(key).sort()).toEqual(fullResults.map(key).sort());
    for (const r of fullResults) {
      const answered = fittedResults.find((f) => key(f) === key(r))!;
      const violations = (x: Result) =>
        rows(x)
          .filter((d) => d.vola_item_type === '1')
          .map((d) => d.rx_id);
      expect(violations(answered)).toEqual(violations(r));
      // 涉及项 rows (all of one item here) collapse into one standing for them all, or are left out.
      const involved = (x: Result) => rows(x).filter((d) => d.vola_item_type !== '1');
      if (involved(answered).length > 0) {
        expect(involved(answered)).toHaveLength(1);
        expect(involved(answered)[0]!.same_item_rows ?? 1).toBe(involved(r).length);
      }
    }

    // This stay fits with its detail rows shortened: the 14 涉及项 days of the 限支付疗程 drug stand in one row.
    expect(fittedResults.flatMap(rows).map((d) => d.same_item_rows ?? 1)).toContain(14);

    // The record is the whole answer: every detail row, 涉及项 included, under the jr_ids the HIS was given.
    const stored = await recorded(bounded, 'T-DSCG-FIT', fittedResults.length);
    expect([...stored.keys()].sort()).toEqual(fittedResults.map((r) => r.jr_id).sort());
    for (const r of fullResults) {
      const jrId = fittedResults.find((f) => key(f) === key(r))!.jr_id;
      expect(rows(stored.get(jrId)!).map((d) => `${d.rx_id} ${d.vola_item_type}`)).toEqual(
        rows(r).map((d) => `${d.rx_id} ${d.vola_item_type}`),
      );
    }
  });

  it('answers an ordinary 3101 byte for byte as without the bound', async () => {
    const call = (server: SidecarServer) =>
      callOverHttp(
        server,
        analysisEnvelope({ lines: 50, firing: 4, taskId: 'T-ORDINARY', encounterId: 'MZ-ORDINARY-1' }),
      );
    const withBound = await call(bounded);
    const without = await call(unbounded);
    const { parsed } = outputText(withBound.raw);
    expect(parsed.output.result?.length).toBe(4);
    expect(parsed.output.truncated).toBeUndefined();
    // Only the response serial and times differ between two sidecars: the output is the same text.
    const outputOf = (raw: Buffer) => raw.toString('utf8').replace(/^.*?"output":/, '');
    expect(outputOf(withBound.raw)).toBe(outputOf(without.raw));
  });
});

describe('one item flagged on hundreds of lines (review-session F1, F5)', () => {
  for (const drugLines of [380, 600]) {
    it(`shortens only that result of a ${drugLines}-line item; the 8 one-line results go out whole`, async () => {
      // The same task id on both sidecars: the results (task_id included) are then the same text.
      const taskId = `T-MIX-${drugLines}`;
      const full = outputText((await callOverHttp(unbounded, mixedDischarge(drugLines, taskId))).raw);
      const fullResults = full.parsed.output.result as unknown as Result[];
      expect(fullResults).toHaveLength(9);
      const huge = fullResults.find((r) => rows(r).length >= drugLines)!;
      expect(JSON.stringify(huge).length).toBeGreaterThan(40_000);

      const fitted = outputText((await callOverHttp(bounded, mixedDischarge(drugLines, taskId))).raw);
      expect(fitted.parsed.infcode).toBe(0);
      expect(fitted.parsed.output.truncated).toBe(true);
      expect(fitted.output.length).toBeLessThanOrEqual(40_000);
      const fittedResults = fitted.parsed.output.result as unknown as Result[];
      expect(fittedResults.map((r) => r.jr_id)).toEqual(fullResults.map((r) => r.jr_id));
      for (const r of fullResults) {
        const answered = fittedResults.find((f) => f.jr_id === r.jr_id)!;
        if (r.jr_id === huge.jr_id) {
          // Alone over the bound: shortened, still with its amount and what the 3103 needs.
          expect(answered).toMatchObject({ vola_amt: huge.vola_amt, sev_deg: huge.sev_deg, wf_impact: huge.wf_impact });
          expect(JSON.stringify(answered).length).toBeLessThan(JSON.stringify(huge).length);
        } else {
          // Every field, every 违规项 row with its ids and amount, as without the bound.
          expect(answered).toEqual(r);
          expect(rows(answered).filter((d) => d.vola_item_type === '1')).toHaveLength(1);
        }
      }
    });
  }

  it('keeps a continued warning settled in every shortened form: a re-sent stay is not asked again', async () => {
    const first = await callOverHttp(bounded, mixedDischarge(380, 'T-MIX-D1'));
    const jrIds = first.body.output.result!.map((r) => r.jr_id);
    expect(jrIds).toHaveLength(9);
    const reason = '患者为男性变性术后，临床需要';
    const decided = await callOverHttp(
      bounded,
      feedbackEnvelope(
        jrIds.map((jrId) => ({ jrId, way: '1' as const, reason })),
        '2',
      ),
    );
    expect(decided.body.infcode).toBe(0);

    const again = outputText((await callOverHttp(bounded, mixedDischarge(380, 'T-MIX-D2'))).raw);
    expect(again.parsed.infcode).toBe(0);
    expect(again.parsed.output.truncated).toBe(true);
    expect(again.output.length).toBeLessThanOrEqual(40_000);
    const results = again.parsed.output.result as unknown as Result[];
    expect(results.map((r) => r.jr_id).sort()).toEqual([...jrIds].sort());
    // The huge result is down to its skeleton (no detail rows): the decision must survive even that form.
    expect(results.some((r) => r.judge_result_detail_dtos === undefined)).toBe(true);
    for (const r of results) {
      expect(r, r.jr_id).toMatchObject({ dspo_way: '1', dspo_way_rea: reason, prior_dspo: true });
      expect(typeof r.vola_amt, r.jr_id).toBe('number');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { linesOf, unmatchedLines, warningsByLine, worstSeverityByLine } from '../src/order-lines';
import type { JudgeResultDto } from '../src/types';

/** A result as a raw answer may hold it: only the fields linesOf reads, in the shapes the sidecar lets through. */
const result = (details: unknown): JudgeResultDto =>
  ({ judge_result_detail_dtos: details }) as unknown as JudgeResultDto;

describe('linesOf', () => {
  it('lists each rx_id once, in the order given, by role when asked', () => {
    const r = result([
      { rx_id: 'A', vola_item_type: '1' },
      { rx_id: 'B', vola_item_type: '2' },
      { rx_id: 'A', vola_item_type: '2' },
    ]);
    expect(linesOf(r)).toEqual(['A', 'B']);
    expect(linesOf(r, 'violation')).toEqual(['A']);
    expect(linesOf(r, 'involved')).toEqual(['B', 'A']);
  });

  it('reads a numeric rx_id as its digits and skips an empty one or a result without details', () => {
    expect(linesOf(result([{ rx_id: 7 }, { rx_id: '' }, { rx_id: '7' }]))).toEqual(['7']);
    expect(linesOf(result(undefined))).toEqual([]);
  });

  it('keeps an rx_id as sent, the key warningsByLine gives the line', () => {
    const r = result([{ rx_id: ' A ', vola_item_type: '1', vola_amt: 0 }]);
    expect(linesOf(r)).toEqual([...warningsByLine([r]).keys()]);
  });
});

describe('codes sent as numbers or labels, without readResult (a vendor middleware: 3101-3103.md S-16)', () => {
  it('reads vola_item_type 2 and 涉及项 as 涉及项, 1 and 违规项 as 违规项, anything else as 违规项 (as readResult)', () => {
    const r = result([
      { rx_id: 'A', vola_item_type: 1 },
      { rx_id: 'B', vola_item_type: 2 },
      { rx_id: 'C', vola_item_type: '违规项' },
      { rx_id: 'D', vola_item_type: ' 涉及项 ' },
      { rx_id: 'E', vola_item_type: 'x' },
    ]);
    expect(linesOf(r, 'violation')).toEqual(['A', 'C', 'E']);
    expect(linesOf(r, 'involved')).toEqual(['B', 'D']);
    expect([...warningsByLine([r])].map(([rxId, [w]]) => [rxId, w!.role])).toEqual([
      ['A', 'violation'],
      ['B', 'involved'],
      ['C', 'violation'],
      ['D', 'involved'],
      ['E', 'violation'],
    ]);
  });

  it('orders by sev_deg sent as a number or a label and gives the worst as its code', () => {
    const labelled = (jrId: string, sev: unknown): JudgeResultDto =>
      ({
        jr_id: jrId,
        sev_deg: sev,
        judge_result_detail_dtos: [{ rx_id: 'RX-1', vola_item_type: '违规项' }],
      }) as unknown as JudgeResultDto;
    const results = [labelled('MILD', '轻度可疑'), labelled('CLEAR', '明确违规'), labelled('HIGH', 2)];
    expect(
      warningsByLine(results)
        .get('RX-1')
        ?.map((w) => w.result.jr_id),
    ).toEqual(['CLEAR', 'HIGH', 'MILD']);
    expect(worstSeverityByLine(results).get('RX-1')).toBe('1');
  });
});

describe('unmatchedLines', () => {
  const flagged = (rxId: string) => result([{ rx_id: rxId, vola_item_type: '1', vola_amt: 10 }]);
  // 阿帕他胺片 and 儿童清肺口服液: two different items.
  const APALUTAMIDE = 'XL02BBA326A001010102180';
  const CHILDREN_DRUG = 'ZA04CAE0023010100166';

  it('names an rx_id the answer gives but the request did not contain', () => {
    expect(unmatchedLines([{ rx_id: 'RX1' }], [flagged('RX9')])).toEqual(['RX9']);
    expect(unmatchedLines([{ rx_id: 'RX1' }], [flagged('RX1')])).toEqual([]);
  });

  it('names an rx_id two different rows of the request share, once', () => {
    const orders = [
      { rx_id: 'RX1', hilist_code: APALUTAMIDE, cnt: '1' },
      { rx_id: 'RX1', hilist_code: CHILDREN_DRUG, cnt: '1' },
      { rx_id: 'RX1', hilist_code: CHILDREN_DRUG, cnt: '2' },
      { rx_id: 'RX2', hilist_code: APALUTAMIDE, cnt: '1' },
    ];
    expect(unmatchedLines(orders, [flagged('RX1')])).toEqual(['RX1']);
    expect(unmatchedLines(orders, [])).toEqual(['RX1']);
    // Rows given by rx_id alone cannot show they are one item.
    expect(unmatchedLines([{ rx_id: 'A' }, { rx_id: 'A' }], [])).toEqual(['A']);
  });

  it("leaves out the repeats the sidecar accepts: a refund under its charge's rx_id, one item's daily charges", () => {
    const orders = [
      { rx_id: 'C1', hilist_code: APALUTAMIDE, cnt: '2', sumamt: '25.00' },
      { rx_id: 'C1', hilist_code: APALUTAMIDE, cnt: '-2', sumamt: '-25.00' },
      { rx_id: 'ORDER-7', hilist_code: '001102000050000', cnt: 1 },
      { rx_id: 'ORDER-7', hilist_code: '001102000050000', cnt: 1 },
    ];
    expect(unmatchedLines(orders, [flagged('C1')])).toEqual([]);
  });
});

describe('a raw answer whose result carries one detail row as an object, not a list of one', () => {
  // As a provincial gateway may send it (3101-3103.md: 数组还是对象): a woman prescribed 他达拉非片, 药品区分性别使用
  // (GZ10000301004000, 高度可疑), with its one row outside a list.
  const TADALAFIL = 'XG04BET001A001010100299';
  const gateway = {
    jr_id: 'JR-GATEWAY-1',
    rule_id: 'GZ10000301004000',
    rule_name: '药品区分性别使用',
    vola_cont: '【他达拉非片】限男性使用，患者性别为女。',
    sev_deg: '2',
    vola_amt: 58,
    judge_result_detail_dtos: {
      jrd_id: 'JRD-GATEWAY-1',
      rx_id: 'RX-TADALAFIL',
      hilist_code: TADALAFIL,
      vola_item_type: '1',
      vola_amt: '58.00',
    },
  } as unknown as JudgeResultDto;

  it('linesOf names its line', () => {
    expect(linesOf(gateway)).toEqual(['RX-TADALAFIL']);
    expect(linesOf(gateway, 'violation')).toEqual(['RX-TADALAFIL']);
    expect(linesOf(gateway, 'involved')).toEqual([]);
  });

  it('warningsByLine keys the warning by that line, its amount read from its digits', () => {
    const byLine = warningsByLine([gateway]);
    expect([...byLine.keys()]).toEqual(['RX-TADALAFIL']);
    expect(byLine.get('RX-TADALAFIL')).toEqual([
      { rxId: 'RX-TADALAFIL', role: 'violation', amount: 58, result: gateway },
    ]);
  });

  it('a null detail list names no line', () => {
    expect(linesOf(result(null))).toEqual([]);
    expect(warningsByLine([result(null)]).size).toBe(0);
  });
});

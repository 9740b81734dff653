/**
 * The answer's bytes when the results come already written as JSON (NationalAnswer.resultJson): exactly the bytes
 * JSON.stringify gives for the whole envelope, in UTF-8 and GBK.
 */
import { successEnvelope } from '@prealert/core';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { envelopeText } from '../src/national/envelope-text';
import { render } from '../src/national/national-answerer';

const results = [
  {
    jr_id: 'JR77bd7b737528369c80fbbaab',
    rule_id: 'GZ10000301004000',
    rule_name: '药品区分性别使用',
    vola_cont: '【爱普列特片】限男性使用，患者性别为女。"引号"\\反斜杠',
    patn_id: '44010000000001234567',
    mdtrt_id: 'MZ-1',
    judge_result_detail_dtos: [
      {
        jrd_id: 'JR77-1',
        patn_id: '44010000000001234567',
        mdtrt_id: 'MZ-1',
        rx_id: 'RX1',
        vola_item_type: '1',
        vola_amt: 10.5,
      },
    ],
    vola_amt: 10.5,
    vola_amt_stas: '1',
    sev_deg: '2',
    vola_evid: '𠀀生僻字',
    vola_bhvr_type: '3',
    task_id: 'T1',
    wf_impact: 'reason',
    kp_id: 'kp-1',
  },
];

describe('envelopeText', () => {
  it('writes the same text as JSON.stringify of the envelope, with results, one or none', () => {
    for (const list of [results, [...results, { ...results[0]!, jr_id: 'JR2' }], []]) {
      const envelope = successEnvelope({ result: list }, { receivedAt: new Date('2026-03-15T01:30:00Z'), serial: 7 });
      expect(
        envelopeText(
          envelope,
          list.map((r) => JSON.stringify(r)),
        ),
      ).toBe(JSON.stringify(envelope));
    }
  });

  it('gives the same bytes through render, in UTF-8 and in GBK', () => {
    const envelope = successEnvelope({ result: results }, { receivedAt: new Date('2026-03-15T01:30:00Z') });
    const parts = results.map((r) => JSON.stringify(r));
    expect(render(envelope, { charset: 'utf-8' }, 200, parts).payload).toBe(JSON.stringify(envelope));
    const gbk = render(envelope, { charset: 'gbk' }, 200, parts).payload as Buffer;
    // 𠀀 is outside GBK: a JSON escape in the bytes, the same envelope once parsed (body-charset.test.ts).
    expect(iconv.decode(gbk, 'gb18030')).toBe(JSON.stringify(envelope).replace('𠀀', '\\ud840\\udc00'));
    expect(JSON.parse(iconv.decode(gbk, 'gb18030'))).toEqual(JSON.parse(JSON.stringify(envelope)));
  });

  it('gives the same bytes as before through a caller-sized buffer (X-Out-Capacity), roomy or tight', () => {
    const envelope = successEnvelope({ result: results }, { receivedAt: new Date('2026-03-15T01:30:00Z') });
    const parts = results.map((r) => JSON.stringify(r));
    for (const capacity of [100_000, 600, 300, 50]) {
      const format = { charset: 'utf-8', capacity };
      expect(render(envelope, format, 200, parts).payload).toBe(render(envelope, format).payload);
    }
    expect(render(envelope, { charset: 'utf-8', capacity: 100_000 }, 200, parts).payload).toBe(
      JSON.stringify(envelope),
    );
  });
});

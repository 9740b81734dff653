import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { encodedLength } from '../src/national/body-charset';
import { fitToCapacity, TINY_ENVELOPE, TINY_ERROR_ENVELOPE } from '../src/national/capacity-fit';

const result = (i: number, sev: '1' | '2' | '3') => ({
  jr_id: `jr-${i}`,
  rule_id: 'GZ10000301004000',
  rule_name: '药品区分性别使用',
  vola_cont: `【第${i}个药品】限男性使用，患者性别为女。`.repeat(3),
  patn_id: 'p',
  mdtrt_id: 'm',
  judge_result_detail_dtos: [
    { jrd_id: `jrd-${i}-1`, patn_id: 'p', mdtrt_id: 'm', rx_id: `rx-${i}`, vola_item_type: '1' as const, vola_amt: 10 },
    { jrd_id: `jrd-${i}-2`, patn_id: 'p', mdtrt_id: 'm', rx_id: `rx-${i}b`, vola_item_type: '2' as const, vola_amt: 0 },
  ],
  vola_amt: 10,
  vola_amt_stas: '1' as const,
  sev_deg: sev,
  vola_evid: '限转移性激素敏感性前列腺癌(mHSPC)患者。'.repeat(4),
  vola_bhvr_type: '1',
  task_id: 't',
  wf_impact: 'reason' as const,
  kp_id: 'kp',
});

const envelope = () => ({
  infcode: 0,
  inf_refmsgid: '440106202603150930000000000001',
  refmsg_time: '20260315093000000',
  respond_time: '20260315093000001',
  err_msg: '',
  output: { result: [result(1, '3'), result(2, '1'), result(3, '2'), result(4, '3'), result(5, '1')] },
});

describe('fitToCapacity', () => {
  it('leaves an answer that fits untouched', () => {
    const e = envelope();
    expect(fitToCapacity(e, 'utf-8', 1_000_000)).toBe(JSON.stringify(e));
  });

  for (const charset of ['utf-8', 'gb18030', 'utf-16le']) {
    it(`fits every capacity in ${charset}, shortening before dropping, lowest severity dropped first`, () => {
      const full = encodedLength(JSON.stringify(envelope()), charset);
      let previousKept = 5;
      let refused = 0;
      for (let capacity = full - 1; capacity > 150; capacity -= 97) {
        const text = fitToCapacity(envelope(), charset, capacity);
        expect(iconv.encode(text, charset === 'utf-8' ? 'utf8' : charset).length).toBeLessThanOrEqual(capacity);
        const parsed = JSON.parse(text);
        // Never a success with no warning left ("no reminders"): a failure naming the size needed instead.
        if (parsed.infcode === -1) {
          // Below the shim's 256 minimum even the message may be cut away; the infcode stays.
          expect(parsed.err_msg).toMatch(/^(output_capacity 至少|$)/);
          refused++;
          previousKept = 0;
          continue;
        }
        expect(parsed.output.truncated).toBe(true);
        expect(parsed.output.result.length, `capacity ${capacity}`).toBeGreaterThan(0);
        const kept: { jr_id: string; sev_deg: string }[] = parsed.output.result;
        expect(kept.length).toBeLessThanOrEqual(previousKept);
        previousKept = kept.length;
        // Whatever was dropped was never more severe than anything kept.
        const keptSev = Math.max(...kept.map((r) => Number(r.sev_deg)), 0);
        const dropped = envelope().output.result.filter((r) => !kept.some((k) => k.jr_id === r.jr_id));
        for (const d of dropped) expect(Number(d.sev_deg)).toBeGreaterThanOrEqual(keptSev);
      }
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('keeps all jr_ids while shortening alone is enough', () => {
    const full = encodedLength(JSON.stringify(envelope()), 'utf-8');
    const parsed = JSON.parse(fitToCapacity(envelope(), 'utf-8', Math.floor(full * 0.6)));
    expect(parsed.output.result.map((r: { jr_id: string }) => r.jr_id)).toEqual([
      'jr-1',
      'jr-2',
      'jr-3',
      'jr-4',
      'jr-5',
    ]);
    expect(parsed.output.result[0].vola_evid).toBe('');
  });

  it('keeps every jr_id as a skeleton down to where they cannot all fit', () => {
    // 5 skeletons (jr_id, severity, impact, amount, head of the text) plus the envelope: about 760 bytes of UTF-8.
    const parsed = JSON.parse(fitToCapacity(envelope(), 'utf-8', 790));
    expect(parsed.infcode).toBe(0);
    expect(parsed.output.result.map((r: { jr_id: string }) => r.jr_id)).toEqual([
      'jr-1',
      'jr-2',
      'jr-3',
      'jr-4',
      'jr-5',
    ]);
    for (const r of parsed.output.result) expect(r.vola_cont).toMatch(/^【第\d个药品】/);
  });

  it('answers a failure naming the size needed when not one warning fits, never an empty list', () => {
    for (const capacity of [100, 200, 255]) {
      const parsed = JSON.parse(fitToCapacity(envelope(), 'utf-8', capacity));
      expect(parsed.infcode, `capacity ${capacity}`).toBe(-1);
      expect(parsed.output).toEqual({});
    }
    const named = /至少需 (\d+)/.exec(JSON.parse(fitToCapacity(envelope(), 'utf-8', 255)).err_msg);
    const needed = Number(named?.[1]);
    // output_capacity counts the NUL: the body gets one byte less, and then every warning is there.
    const enough = JSON.parse(fitToCapacity(envelope(), 'utf-8', needed - 1));
    expect(enough.output.result).toHaveLength(5);
    expect(JSON.parse(fitToCapacity(envelope(), 'utf-8', needed - 2)).output.result.length).toBeLessThan(5);
  });

  it('answers the tiny envelope for an answer without warnings when not even its empty list fits', () => {
    const none = { ...envelope(), output: { result: [] } };
    expect(fitToCapacity(none, 'utf-8', 100)).toBe(TINY_ENVELOPE);
  });

  it('drops by impact before severity: a block warning stays while a more severe reason one goes', () => {
    const blockAndReason = () => ({
      ...envelope(),
      output: { result: [result(1, '1'), { ...result(2, '2'), wf_impact: 'block' as const }] },
    });
    const kinds = new Set<string>();
    for (let capacity = 200; capacity < 1200; capacity += 10) {
      const parsed = JSON.parse(fitToCapacity(blockAndReason(), 'utf-8', capacity));
      if (parsed.infcode === -1) {
        kinds.add('refused');
        continue;
      }
      const impacts = parsed.output.result.map((r: { wf_impact: string }) => r.wf_impact);
      expect(impacts, `capacity ${capacity}`).toContain('block');
      kinds.add(impacts.length === 1 ? 'block only' : 'both');
    }
    expect([...kinds].sort()).toEqual(['block only', 'both', 'refused']);
  });

  // A 3103 refused (a reason missing for one of many warnings) must not read as accepted through a small buffer.
  const failure = () => ({
    infcode: -1,
    inf_refmsgid: '440106202603150930000000000001',
    refmsg_time: '20260315093000000',
    respond_time: '20260315093000001',
    err_msg: Array.from({ length: 11 }, (_, i) => `warns[${i}]：继续执行须填写理由（dspo_way_rea）`).join('；'),
    output: {},
  });

  for (const charset of ['utf-8', 'gb18030', 'utf-16le']) {
    it(`keeps a failure a failure at every capacity in ${charset}, cutting only its message`, () => {
      const full = encodedLength(JSON.stringify(failure()), charset);
      expect(fitToCapacity(failure(), charset, full)).toBe(JSON.stringify(failure()));
      let previous = Number.POSITIVE_INFINITY;
      for (let capacity = full - 1; capacity >= 20; capacity -= 13) {
        const text = fitToCapacity(failure(), charset, capacity);
        const parsed = JSON.parse(text);
        expect(parsed.infcode, `capacity ${capacity}`).toBe(-1);
        expect(parsed.output).toEqual({});
        if (text === TINY_ERROR_ENVELOPE) continue;
        expect(iconv.encode(text, charset === 'utf-8' ? 'utf8' : charset).length).toBeLessThanOrEqual(capacity);
        expect(failure().err_msg.startsWith(parsed.err_msg.replace(/…$/, ''))).toBe(true);
        expect(parsed.err_msg.length).toBeLessThanOrEqual(previous);
        previous = parsed.err_msg.length;
        // The longest head that fits: one more character would not.
        const head = parsed.err_msg.replace(/…$/, '');
        if (head.length > 0 && head.length < failure().err_msg.length - 1) {
          const longer = JSON.stringify({ ...failure(), err_msg: `${failure().err_msg.slice(0, head.length + 1)}…` });
          expect(encodedLength(longer, charset)).toBeGreaterThan(capacity);
        }
      }
    });
  }

  it('answers the tiny failure when not even an empty message fits', () => {
    expect(fitToCapacity(failure(), 'utf-8', 60)).toBe(TINY_ERROR_ENVELOPE);
    expect(JSON.parse(TINY_ERROR_ENVELOPE).infcode).toBe(-1);
  });

  it('shortens the one result too big for the buffer and keeps the small ones whole (review-session F1)', () => {
    const huge = {
      ...result(9, '2'),
      judge_result_detail_dtos: Array.from({ length: 400 }, (_, k) => ({
        ...result(9, '2').judge_result_detail_dtos[0]!,
        jrd_id: `jrd-9-${k}`,
        rx_id: `rx-9-${k}`,
      })),
    };
    const small = [result(1, '3'), result(2, '1'), result(3, '2')];
    const e = { ...envelope(), output: { result: [small[0]!, huge, small[1]!, small[2]!] } };
    const wholeSmall = small.map((r) => encodedLength(JSON.stringify(r), 'gb18030')).reduce((a, b) => a + b, 0);
    // Room for the small ones whole and the huge one's skeleton, far from room for its rows.
    const parsed = JSON.parse(fitToCapacity(e, 'gb18030', wholeSmall + 1_000));
    expect(parsed.infcode).toBe(0);
    expect(parsed.output.truncated).toBe(true);
    const [a, shortened, b, c] = parsed.output.result;
    expect([a, b, c]).toEqual(small);
    expect(shortened.jr_id).toBe('jr-9');
    expect(shortened.vola_amt).toBe(10);
    expect(shortened.judge_result_detail_dtos?.length ?? 0).toBeLessThan(400);
  });

  it('keeps the amount and the decision fields in every shortened form, down to dropping (review-session F5)', () => {
    const decided = () => ({
      ...envelope(),
      output: {
        result: envelope().output.result.map((r, i) =>
          i % 2 === 0
            ? { ...r, dspo_way: '1', dspo_way_rea: '患者为男性变性术后，临床需要', prior_dspo: true }
            : { ...r, prior_visit_rea: '已核实病情，临床需要', prior_visit_date: '2026-11-24' },
        ),
      },
    });
    const full = encodedLength(JSON.stringify(decided()), 'utf-8');
    let shortened = 0;
    for (let capacity = full - 1; capacity > 300; capacity -= 37) {
      const parsed = JSON.parse(fitToCapacity(decided(), 'utf-8', capacity));
      if (parsed.infcode !== 0) continue;
      for (const r of parsed.output.result) {
        const i = Number(r.jr_id.slice(3)) - 1;
        const wanted =
          i % 2 === 0
            ? { dspo_way: '1', dspo_way_rea: '患者为男性变性术后，临床需要', prior_dspo: true }
            : { prior_visit_rea: '已核实病情，临床需要', prior_visit_date: '2026-11-24' };
        expect(r, `capacity ${capacity}`).toMatchObject({ ...wanted, vola_amt: 10 });
        if (r.rule_name === undefined) shortened++;
      }
    }
    // The loop went down to the barest form (no rule_name) and found the fields there too.
    expect(shortened).toBeGreaterThan(0);
  });
});

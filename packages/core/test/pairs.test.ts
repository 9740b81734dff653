import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, involvedRx, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const DUPLICATE = 'GZ10000102012000';
const SURGERY = 'GZ10000102002000';

// 急诊监护费 × 急诊诊查费 (单日); 单胎顺产接生 × 肛门指检 (6小时); 冷加压试验 × 动态血压监测 (同一小时);
// 颅内多发血肿清除术 × 颅内硬膜外血肿引流术 (单次就诊).
const ER_MONITOR = '001103000010000';
const ER_CONSULT = '001102000030000';
const DELIVERY = '003314000020000';
const RECTAL_EXAM = '003109040040000';
const COLD_PRESSOR = '003102070040000';
const AMBULATORY_BP = '003107010210000';
const MULTI_HEMATOMA = '003302010140000';
const EPIDURAL_DRAIN = '003302010040000';

describe('time_window duplicate charges (A includes B)', () => {
  it('单日: B on the same day is the duplicate (违规项), A is 涉及项', () => {
    const out = run(lib, {
      lines: [
        { code: ER_MONITOR, rx_id: 'A', date: '2026-11-20 01:00:00', pric: 40 },
        { code: ER_CONSULT, rx_id: 'B', date: '2026-11-20 23:00:00', pric: 15 },
      ],
    });
    const [r] = resultsOf(out, DUPLICATE);
    expect(flaggedRx(r!)).toEqual(['B']);
    expect(involvedRx(r!)).toEqual(['A']);
    expect(r!.vola_amt).toBe(15);
    expect(r!.vola_cont).toContain('急诊监护费');
  });

  it('单日: the next calendar day is not a duplicate', () => {
    const out = run(lib, {
      lines: [
        { code: ER_MONITOR, date: '2026-11-19 23:59:00' },
        { code: ER_CONSULT, date: '2026-11-20 00:01:00' },
      ],
    });
    expect(resultsOf(out, DUPLICATE)).toEqual([]);
  });

  it('单日: a long-term A is charged on every day it runs, so a B on any of those days is the duplicate', () => {
    // 重症监护 × 一般专项护理(口腔护理): the 24-hour ICU care includes the oral care.
    const ICU = '001201000010000';
    const ORAL_CARE = '001201000140100';
    const icu = (stop?: string) => ({
      code: ICU,
      rx_id: 'ICU',
      long: true,
      current: false,
      date: '2026-11-15 08:00:00',
      ...(stop ? { stop } : {}),
    });
    const care = { code: ORAL_CARE, rx_id: 'CARE', date: '2026-11-20 10:00:00', pric: 8 };
    const running = run(lib, { adm_date: '2026-11-15 07:00:00', lines: [icu(), care] });
    const [r] = resultsOf(running, DUPLICATE);
    expect(flaggedRx(r!)).toEqual(['CARE']);
    expect(involvedRx(r!)).toEqual(['ICU']);
    expect(r!.vola_amt).toBe(8);
    // Stopped on the 20th: still charged that day. Stopped the day before: not.
    expect(resultsOf(run(lib, { lines: [icu('2026-11-20 12:00:00'), care] }), DUPLICATE)).toHaveLength(1);
    expect(resultsOf(run(lib, { lines: [icu('2026-11-19 12:00:00'), care] }), DUPLICATE)).toEqual([]);
    // A one-off ICU line of the 15th is charged on the 15th only.
    const once = { ...icu(), long: false };
    expect(resultsOf(run(lib, { lines: [once, care] }), DUPLICATE)).toEqual([]);
  });

  it('needs at least one current line; a new A against an already-charged B flags A with B’s amount', () => {
    const old = run(lib, {
      lines: [
        { code: ER_MONITOR, current: false },
        { code: ER_CONSULT, current: false },
      ],
    });
    expect(resultsOf(old, DUPLICATE)).toEqual([]);
    const newA = run(lib, {
      lines: [
        { code: ER_CONSULT, rx_id: 'B0', current: false, pric: 15 },
        { code: ER_MONITOR, rx_id: 'A1', pric: 40 },
      ],
    });
    const [r] = resultsOf(newA, DUPLICATE);
    expect(flaggedRx(r!)).toEqual(['A1']);
    expect(r!.vola_amt).toBe(15);
  });

  it('6小时: 5h59m apart fires, 6h apart does not', () => {
    const pair = (b: string) =>
      resultsOf(
        run(lib, {
          lines: [
            { code: DELIVERY, date: '2026-11-20 02:00:00' },
            { code: RECTAL_EXAM, date: b },
          ],
        }),
        DUPLICATE,
      );
    expect(pair('2026-11-20 07:59:00')).toHaveLength(1);
    expect(pair('2026-11-20 08:00:00')).toEqual([]);
  });

  it('同一小时: same clock hour fires, the next hour does not', () => {
    const pair = (b: string) =>
      resultsOf(
        run(lib, {
          lines: [
            { code: COLD_PRESSOR, date: '2026-11-20 10:05:00' },
            { code: AMBULATORY_BP, date: b },
          ],
        }),
        DUPLICATE,
      );
    expect(pair('2026-11-20 10:59:59')).toHaveLength(1);
    expect(pair('2026-11-20 11:00:00')).toEqual([]);
  });

  it('单次就诊: same encounter fires, an earlier encounter does not', () => {
    const same = run(lib, { lines: [{ code: MULTI_HEMATOMA, date: '2026-11-18 10:00:00' }, { code: EPIDURAL_DRAIN }] });
    expect(resultsOf(same, DUPLICATE)).toHaveLength(1);
    const other = run(lib, {
      lines: [{ code: EPIDURAL_DRAIN }],
      history: [{ mdtrt_id: 'OLD', lines: [{ code: MULTI_HEMATOMA, date: '2026-11-18 10:00:00', current: false }] }],
    });
    expect(resultsOf(other, DUPLICATE)).toEqual([]);
  });
});

describe('same_incision_group (事中 only)', () => {
  // Two 胃肠手术组 items: 食管癌根治+结肠代食管术, 食管胃吻合口狭窄切开成形术.
  const first = { code: '003310010140000', rx_id: 'S1', pric: 3000, date: '2026-11-20 09:00:00' };
  const second = { code: '003310010160000', rx_id: 'S2', pric: 2000, hilist_pric: 2000, date: '2026-11-20 09:30:00' };
  const inpatient = { med_mdtrt_type: '2', med_type: '21' };

  it('does not run in 事前 scenes', () => {
    expect(resultsOf(run(lib, { ...inpatient, trig_scen: '5', lines: [first, second] }), SURGERY)).toEqual([]);
  });

  it('flags the later item charged in full with the undiscounted excess', () => {
    const out = run(lib, { ...inpatient, trig_scen: '9', lines: [first, second] }, undefined, '3102');
    const [r] = resultsOf(out, SURGERY);
    expect(flaggedRx(r!)).toEqual(['S2']);
    expect(involvedRx(r!)).toEqual(['S1']);
    expect(r!.vola_amt).toBe(1000);
  });

  it('the dearest item is the main one, charged in full, whatever order the HIS sends them in', () => {
    const secondFirst = { ...second, date: '2026-11-20 08:30:00' };
    const out = run(lib, { ...inpatient, trig_scen: '9', lines: [secondFirst, first] }, undefined, '3102');
    const [r] = resultsOf(out, SURGERY);
    expect(flaggedRx(r!)).toEqual(['S2']);
    expect(involvedRx(r!)).toEqual(['S1']);
    expect(r!.vola_amt).toBe(1000);
  });

  it('an operation is one day: a re-operation on another day is charged in full', () => {
    const later = { ...second, date: '2026-11-23 10:00:00' };
    const out = run(
      lib,
      { ...inpatient, trig_scen: '9', lines: [{ ...first, current: false }, later] },
      undefined,
      '3102',
    );
    expect(resultsOf(out, SURGERY)).toEqual([]);
  });

  it('a code in several incision groups is flagged once, its excess counted once', () => {
    // 肠粘连松解术 is in four groups, two of them shared with 阑尾切除术 (胃肠, 经腹直肠).
    const appendectomy = { code: '003310030220000', rx_id: 'AP', pric: 2000, date: '2026-11-20 09:00:00' };
    const adhesiolysis = { code: '003310030080000', rx_id: 'AD', pric: 1500, date: '2026-11-20 09:40:00' };
    const out = run(lib, { ...inpatient, trig_scen: '9', lines: [appendectomy, adhesiolysis] }, undefined, '3102');
    const results = resultsOf(out, SURGERY);
    expect(results).toHaveLength(1);
    expect(flaggedRx(results[0]!)).toEqual(['AD']);
    expect(results[0]!.vola_amt).toBe(750);
  });

  it('a later item already at the discounted rate passes', () => {
    const out = run(
      lib,
      { ...inpatient, trig_scen: '9', lines: [first, { ...second, pric: 1000, sumamt: 1000 }] },
      undefined,
      '3102',
    );
    expect(resultsOf(out, SURGERY)).toEqual([]);
  });
});

import type { AnalysisInput } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import {
  analysisInput,
  flaggedRx,
  involvedRx,
  type LineSpec,
  type RequestSpec,
  resultsOf,
  run,
} from './support/requests';

// 重复开药 with a drug still running from an earlier visit of the same patient (reviewer F3:
// /tmp/review-chronic/req/s6b_arni_two_depts_stop.json, s6a_arni_two_depts_nostop.json). Each outpatient visit is
// its own mdtrt_id, so a duplicate across two departments' visits is only seen across encounters.
const lib = nationalLibrary();
const CLASS_DUP = 'GZ10000301006000';
const SACUBITRIL_VALSARTAN = 'XC09DXS255A001010101606'; // 沙库巴曲缬沙坦钠片, C09DX
const SACUBITRIL_ALLISARTAN = 'XC09DXS309A001010100553'; // 沙库巴曲阿利沙坦钙片, C09DX

/** 门诊慢特病 visits, today's on 2026-11-24. */
const chronic = { med_mdtrt_type: '1', med_type: '14', diagnoses: ['I10.x00'] };
const NOV_24 = new Date(Date.UTC(2026, 10, 24, 10));

const today = (code = SACUBITRIL_ALLISARTAN, name = '沙库巴曲阿利沙坦钙片'): LineSpec => ({
  code,
  name,
  rx_id: 'RX4',
  cnt: 2,
  pric: 80,
  date: '2026-11-24 09:00:00',
  stop: '2026-12-21 09:00:00',
});

/** The other department's visit of 11-10: 沙库巴曲缬沙坦钠片, a 28-day supply unless `stop` says otherwise. */
const earlierVisit = (stop: string | undefined, extra: Partial<LineSpec> = {}): RequestSpec['history'] => [
  {
    mdtrt_id: 'DUP2-H',
    adm_date: '2026-11-10 08:30:00',
    lines: [
      {
        code: SACUBITRIL_VALSARTAN,
        name: '沙库巴曲缬沙坦钠片',
        rx_id: 'RX3',
        cnt: 2,
        pric: 98.5,
        date: '2026-11-10 09:00:00',
        ...(stop !== undefined && { stop }),
        current: false,
        ...extra,
      },
    ],
  },
];

const duplicates = (spec: RequestSpec | AnalysisInput) =>
  resultsOf(run(lib, spec, undefined, '3101', NOV_24), CLASS_DUP);

describe('a drug of an earlier visit still running today', () => {
  it('s6b: the ARNI of 11-10 supplied to 12-07 and another ARNI today: reminded, today’s line flagged', () => {
    const [r, more] = duplicates({
      ...chronic,
      mdtrt_id: 'DUP2-C',
      lines: [today()],
      history: earlierVisit('2026-12-07 09:00:00'),
    });
    expect(more).toBeUndefined();
    expect(r!.mdtrt_id).toBe('DUP2-C');
    expect(flaggedRx(r!)).toEqual(['RX4']);
    expect(involvedRx(r!)).toEqual(['RX3']);
    expect(r!.sev_deg).toBe('3');
    expect(r!.vola_cont).toBe(
      '同类药品重复使用：【沙库巴曲阿利沙坦钙片】【沙库巴曲缬沙坦钠片】同属一个药理分类（ATC C09DX）；【沙库巴曲缬沙坦钠片】为另一次就诊（2026-11-10，内科）所开，用至 2026-12-07，请确认是否需要联用。',
    );
  });

  it('a history drug stopping today is still running: a stop sent as a date counts that whole day', () => {
    expect(duplicates({ ...chronic, lines: [today()], history: earlierVisit('2026-11-24') })).toHaveLength(1);
  });

  it('a history drug stopped at 08:00 today, before today’s line at 09:00, is a switch: silent', () => {
    expect(duplicates({ ...chronic, lines: [today()], history: earlierVisit('2026-11-24 08:00:00') })).toEqual([]);
  });

  it('a history drug that stopped yesterday is not active: silent', () => {
    expect(duplicates({ ...chronic, lines: [today()], history: earlierVisit('2026-11-23 09:00:00') })).toEqual([]);
  });

  it('s6a: a one-off line of 11-10 (no stop date) counts its day only: silent', () => {
    expect(duplicates({ ...chronic, lines: [today()], history: earlierVisit(undefined) })).toEqual([]);
  });

  it('a refill of the same generic (沙库巴曲缬沙坦钠片 again) is no duplicate: silent', () => {
    const refill = today(SACUBITRIL_VALSARTAN, '沙库巴曲缬沙坦钠片');
    expect(duplicates({ ...chronic, lines: [refill], history: earlierVisit('2026-12-07 09:00:00') })).toEqual([]);
  });

  it('an earlier admission’s open 长期医嘱 ended at its discharge: silent; stopped after today: reminded', () => {
    const admitted = (stop: string | undefined) => {
      const input = analysisInput({
        ...chronic,
        lines: [today()],
        history: [
          {
            ...earlierVisit(stop, { long: true })![0]!,
            dscg_date: '2026-11-20 10:00:00',
          },
        ],
      });
      const stay = (input.data.patient_dtos as unknown as { fsi_encounter_dtos: Record<string, string>[] }[])[0]!
        .fsi_encounter_dtos[1]!;
      stay.med_mdtrt_type = '2';
      stay.med_type = '21';
      return duplicates(input);
    };
    expect(admitted(undefined)).toEqual([]);
    const [r] = admitted('2026-12-07 09:00:00');
    expect(involvedRx(r!)).toEqual(['RX3']);
  });

  it('the same two in one visit are reminded as before, naming no other visit (s6c)', () => {
    const [r] = duplicates({
      ...chronic,
      lines: [
        { ...today(SACUBITRIL_VALSARTAN, '沙库巴曲缬沙坦钠片'), rx_id: 'RX5' },
        { ...today(), rx_id: 'RX6' },
      ],
    });
    expect(flaggedRx(r!)).toEqual(['RX5', 'RX6']);
    expect(r!.vola_cont).toBe(
      '同类药品重复使用：【沙库巴曲缬沙坦钠片】【沙库巴曲阿利沙坦钙片】同属一个药理分类（ATC C09DX），请确认是否需要联用。',
    );
  });
});

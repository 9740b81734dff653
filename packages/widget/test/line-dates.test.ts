import { parseLocalMinutes } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { dayOf, daySpan, requestLineDays } from '../src/line-dates';

describe('dayOf', () => {
  it('reads the day of every form core reads, and nothing core refuses', () => {
    for (const text of [
      '2026-09-03',
      '2026-09-03 08:00:00',
      '2026-09-03T08:00:00.000',
      '2026-09-03 08:00',
      '20260903',
      '20260903080000',
      ' 2026-09-03 08:00:00 ',
    ]) {
      expect(dayOf(text), text).toBe('2026-09-03');
      expect(Number.isNaN(parseLocalMinutes(text.trim())), text).toBe(false);
    }
    // 02-30, a UTC instant (8 hours off the wall clock), a time alone, a day core would not date a line with.
    for (const text of ['2026-02-30', '2026-09-03T00:00:00.000Z', '08:00:00', '2026/09/03', '', '1700-01-01']) {
      expect(dayOf(text), text).toBeUndefined();
      expect(Number.isNaN(parseLocalMinutes(text)), text).toBe(true);
    }
    expect(dayOf(undefined)).toBeUndefined();
    expect(dayOf(20260903)).toBe('2026-09-03');
  });
});

describe('daySpan', () => {
  it('reads 「MM-DD 至 MM-DD」, one day as 「MM-DD」, across years in full; none when a day is unknown', () => {
    expect(daySpan(['2026-09-18', '2026-09-03', '2026-09-10'])).toEqual({
      shown: '09-03 至 09-18',
      spoken: '9月3日至9月18日',
    });
    expect(daySpan(['2026-09-03', '2026-09-03'])).toEqual({ shown: '09-03', spoken: '9月3日' });
    expect(daySpan(['2027-01-02', '2026-12-28'])).toEqual({
      shown: '2026-12-28 至 2027-01-02',
      spoken: '2026年12月28日至2027年1月2日',
    });
    expect(daySpan(['2026-09-03', undefined])).toBeUndefined();
    expect(daySpan([])).toBeUndefined();
  });
});

describe('requestLineDays', () => {
  it("reads each line's drord_begn_date by encounter from an input or its data, a single object as a list", () => {
    const data = {
      patient_dtos: {
        fsi_encounter_dtos: [
          {
            mdtrt_id: 'E1',
            fsi_order_dtos: [
              { rx_id: 'A', drord_begn_date: '2026-09-03 08:00:00' },
              { rx_id: 'A', drord_begn_date: '2026-09-04 08:00:00' },
              { rx_id: 'B', drord_begn_date: 'not a date' },
              { rx_id: 7, drord_begn_date: '20260905' },
            ],
          },
          { mdtrt_id: 'E2', fsi_order_dtos: { rx_id: 'C', drord_begn_date: '2026-09-06' } },
        ],
      },
    };
    const expected = new Map([
      [
        'E1',
        new Map([
          ['A', '2026-09-03'],
          ['7', '2026-09-05'],
        ]),
      ],
      ['E2', new Map([['C', '2026-09-06']])],
    ]);
    expect(requestLineDays({ data })).toEqual(expected);
    expect(requestLineDays(data)).toEqual(expected);
    expect(requestLineDays(undefined)).toEqual(new Map());
  });
});

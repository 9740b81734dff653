import { describe, expect, it } from 'vitest';
import { checkFeedback, toFeedbackData } from '../src/feedback';

describe('3103 feedback', () => {
  it('turns decisions into national warns (dspo_way 1 继续执行, 2 返回修改)', () => {
    expect(
      toFeedbackData('1', [
        { jrId: 'JR1', disposition: 'continue', reason: ' 临床必需 ' },
        { jrId: 'JR2', disposition: 'modify' },
      ]),
    ).toEqual({
      warn_type: '1',
      warns: [
        { warn_rslt_id: 'JR1', dspo_way: '1', dspo_way_rea: '临床必需' },
        { warn_rslt_id: 'JR2', dspo_way: '2', dspo_way_rea: '' },
      ],
    });
  });

  it('accepts the whole input or its data, a single warn object and dspo_way as a number', () => {
    const checked = checkFeedback({ data: { warn_type: 2, warns: { warn_rslt_id: 'JR1', dspo_way: 2 } } } as never);
    expect(checked).toEqual({
      ok: true,
      value: { warn_type: '2', warns: [{ warn_rslt_id: 'JR1', dspo_way: '2', dspo_way_rea: '' }] },
    });
  });

  it('names the bad field', () => {
    const cases: [unknown, string][] = [
      [{ warn_type: '3', warns: [] }, 'input.data.warn_type: must be "1" or "2"'],
      [{ warn_type: '1', warns: [] }, 'input.data.warns: must list at least one warn'],
      [
        { warn_type: '1', warns: [{ dspo_way: '1' }] },
        'input.data.warns[0].warn_rslt_id: must be the jr_id of a warning',
      ],
      [
        {
          warn_type: '1',
          warns: [
            { warn_rslt_id: 'a', dspo_way: '2' },
            { warn_rslt_id: 'b', dspo_way: '1', dspo_way_rea: 'x'.repeat(501) },
          ],
        },
        'input.data.warns[1].dspo_way_rea: 长度超过 500',
      ],
    ];
    for (const [input, message] of cases) expect(checkFeedback(input as never)).toEqual({ ok: false, message });
  });
});

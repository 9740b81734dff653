import { describe, expect, it } from 'vitest';
import { composeReason, DEFAULT_CONFIRM_REASON, textBudget } from '../src/reason';

describe('composeReason', () => {
  it('requires a reason where wf_impact is "reason"', () => {
    expect(composeReason('reason', { text: ' ' }, '其他')).toEqual({
      ok: false,
      field: 'pick',
      message: '继续执行须选择或填写理由',
    });
    expect(composeReason('reason', { pick: '临床必需', text: '' }, '其他')).toEqual({ ok: true, reason: '临床必需' });
    expect(composeReason('reason', { text: '患者已签字' }, '其他')).toEqual({ ok: true, reason: '患者已签字' });
    expect(composeReason('reason', { pick: '已知情同意', text: '家属签字' }, '其他')).toEqual({
      ok: true,
      reason: '已知情同意；家属签字',
    });
  });

  it('gives a confirm-only 继续执行 without a reason of the doctor’s the fixed one, and never lets "block" continue', () => {
    expect(composeReason('confirm', { text: '' }, '其他')).toEqual({ ok: true, reason: DEFAULT_CONFIRM_REASON });
    expect(composeReason('notice', { text: ' ' }, '其他', '已核对')).toEqual({ ok: true, reason: '已核对' });
    // Her own reason is sent as she gave it.
    expect(composeReason('confirm', { pick: '临床必需', text: '' }, '其他')).toEqual({ ok: true, reason: '临床必需' });
    expect(composeReason('block', { pick: '临床必需', text: '' }, '其他')).toMatchObject({
      ok: false,
      field: 'warning',
    });
  });

  it('asks for the text behind the catch-all quick-pick', () => {
    expect(composeReason('confirm', { pick: '其他', text: '' }, '其他')).toEqual({
      ok: false,
      field: 'text',
      message: '选择“其他”时请填写具体理由',
    });
    expect(composeReason('reason', { pick: '其他', text: '药敏结果支持' }, '其他')).toEqual({
      ok: true,
      reason: '其他；药敏结果支持',
    });
  });

  it('caps the joined reason at 500 characters (the 3103 front-end limit), quick reason and 「；」 included', () => {
    expect(composeReason('reason', { text: '字'.repeat(501) }, '其他')).toEqual({
      ok: false,
      field: 'text',
      message: '理由最多 500 字，请删减 1 字',
    });
    expect(textBudget('临床必需')).toBe(495);
    expect(textBudget(undefined)).toBe(500);
    expect(composeReason('reason', { pick: '临床必需', text: '字'.repeat(495) }, '其他')).toEqual({
      ok: true,
      reason: `临床必需；${'字'.repeat(495)}`,
    });
    expect(composeReason('reason', { pick: '临床必需', text: '字'.repeat(500) }, '其他')).toEqual({
      ok: false,
      field: 'text',
      message: '理由连同“临床必需；”最多 500 字，请将说明删减 5 字',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { composeReason } from '../src/reason';

describe('composeReason', () => {
  it('requires a reason where wf_impact is "reason"', () => {
    expect(composeReason('reason', { text: ' ' }, '其他')).toEqual({ ok: false, message: '继续执行须选择或填写理由' });
    expect(composeReason('reason', { pick: '临床必需', text: '' }, '其他')).toEqual({ ok: true, reason: '临床必需' });
    expect(composeReason('reason', { text: '患者已签字' }, '其他')).toEqual({ ok: true, reason: '患者已签字' });
    expect(composeReason('reason', { pick: '已知情同意', text: '家属签字' }, '其他')).toEqual({
      ok: true,
      reason: '已知情同意；家属签字',
    });
  });

  it('lets "confirm" continue with an empty reason, never "block"', () => {
    expect(composeReason('confirm', { text: '' }, '其他')).toEqual({ ok: true, reason: '' });
    expect(composeReason('block', { pick: '临床必需', text: '' }, '其他').ok).toBe(false);
  });

  it('asks for the text behind the catch-all quick-pick', () => {
    expect(composeReason('confirm', { pick: '其他', text: '' }, '其他')).toEqual({
      ok: false,
      message: '选择“其他”时请填写具体理由',
    });
    expect(composeReason('reason', { pick: '其他', text: '药敏结果支持' }, '其他')).toEqual({
      ok: true,
      reason: '其他；药敏结果支持',
    });
  });

  it('caps the reason at 500 characters (the 3103 front-end limit)', () => {
    expect(composeReason('reason', { text: '字'.repeat(501) }, '其他')).toEqual({
      ok: false,
      message: '理由最多 500 字',
    });
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { READINGS } from '../../client/test/fixtures/result-readings';
import { decisionFeedback, type FeedbackSettings } from '../src/decision-feedback';
import { takeResults } from '../src/result-intake';
import type { TrackedDecision } from '../src/tracked-decision';

const result = takeResults([READINGS[0]!.raw], [])[0]!;

function decision(overrides: Partial<TrackedDecision> = {}): TrackedDecision {
  return {
    jrId: result.jr_id,
    disposition: 'continue',
    reason: '临床必需',
    delivery: 'sending',
    at: '2026-11-29T02:03:04.000Z',
    version: 3,
    forTask: 'T-1',
    encounter: 'P1\u0000M1',
    ...overrides,
  };
}

const settings = (): FeedbackSettings => ({
  warnType: '1',
  sidecar: 'http://127.0.0.1:17311',
  envelope: {
    fixmedins_code: 'H11010100001',
    fixmedins_name: '医院',
    mdtrtarea_admvs: '110100',
    opter: 'D001',
    opter_name: '王医生',
  },
});

describe('decisionFeedback: the 3103 the widget queues for an answer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(2026, 10, 29, 10, 3, 4));
  });
  afterEach(() => vi.useRealTimers());

  it('is the national 3103 envelope around warn_type and the one warn, with the deciding doctor as opter', () => {
    const item = decisionFeedback(result, decision(), settings());
    expect(item).toMatchObject({
      jrId: result.jr_id,
      version: 3,
      encounter: 'P1\u0000M1',
      createdAt: new Date(2026, 10, 29, 10, 3, 4).getTime(),
      sidecar: 'http://127.0.0.1:17311',
    });
    const { msgid, ...request } = item.request;
    expect(msgid).toMatch(/^H1101010000120261129100304\d{4}$/);
    // Field order as sent: JSON.stringify of the queued request is the body posted.
    expect(JSON.stringify(request)).toBe(
      JSON.stringify({
        infno: '3103',
        mdtrtarea_admvs: '110100',
        insuplc_admdvs: '',
        recer_sys_code: 'PREALERT',
        dev_no: '',
        dev_safe_info: '',
        cainfo: '',
        signtype: '',
        infver: 'V1.0',
        opter_type: '1',
        opter: 'D001',
        opter_name: '王医生',
        inf_time: '2026-11-29 10:03:04',
        fixmedins_code: 'H11010100001',
        fixmedins_name: '医院',
        sign_no: '',
        input: {
          data: { warn_type: '1', warns: [{ warn_rslt_id: result.jr_id, dspo_way: '1', dspo_way_rea: '临床必需' }] },
        },
      }),
    );
  });

  it('sends 返回修改 as dspo_way 2, leaves out an unknown encounter, and gives each answer its own id', () => {
    const first = decisionFeedback(result, decision({ disposition: 'modify', reason: '', encounter: undefined }), {
      ...settings(),
      warnType: '2',
    });
    expect(first.request.input).toEqual({
      data: { warn_type: '2', warns: [{ warn_rslt_id: result.jr_id, dspo_way: '2', dspo_way_rea: '' }] },
    });
    expect(first).not.toHaveProperty('encounter');
    const second = decisionFeedback(result, decision(), settings());
    expect(second.id).not.toBe(first.id);
    expect(second.id.startsWith(`${result.jr_id}:`)).toBe(true);
  });

  it('keeps the opter of the moment it was decided when the host logs in another doctor afterwards', () => {
    const given = settings();
    const item = decisionFeedback(result, decision(), given);
    given.envelope.opter = 'D002';
    given.envelope.opter_name = '李医生';
    expect(item.request.opter).toBe('D001');
    expect(item.request.opter_name).toBe('王医生');
  });
});

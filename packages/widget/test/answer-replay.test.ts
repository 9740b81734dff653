import { describe, expect, it } from 'vitest';
import { READINGS } from '../../client/test/fixtures/result-readings';
import { replayEarlierAnswers } from '../src/answer-replay';
import { decisionFeedback } from '../src/decision-feedback';
import type { FeedbackItem } from '../src/feedback-sender';
import { takeResults } from '../src/result-intake';
import type { TrackedDecision } from '../src/tracked-decision';
import type { JudgeResultDto, ShowOptions } from '../src/types';

// The national 药品区分性别使用 warning (GZ10000301004000) every reading starts from: the last reading is it unchanged.
const nationalWarning = READINGS[READINGS.length - 1]!.raw;

const TASK = 'T-NOW';
const TASK_CREATED = '2026-11-29T02:00:00.000Z';

/** One warning of patient P-A's encounter M-1 as show() takes it, with `fields` of the sidecar's answer. */
function shown(jrId: string, fields: Record<string, unknown> = {}): JudgeResultDto {
  return takeResults([{ ...nationalWarning, jr_id: jrId, patn_id: 'P-A', mdtrt_id: 'M-1', ...fields }], [])[0]!;
}

/** The element's version counter: the versions it handed out, in order. */
function counter(start: number): { nextVersion: () => number; handedOut: number[] } {
  let version = start;
  const handedOut: number[] = [];
  return {
    nextVersion: () => {
      version += 1;
      handedOut.push(version);
      return version;
    },
    handedOut,
  };
}

/** An answer to `result` an earlier page left in the 3103 queue, with its own version. */
function queuedAnswer(result: JudgeResultDto, version: number, disposition: 'continue' | 'modify'): FeedbackItem {
  return decisionFeedback(
    result,
    {
      jrId: result.jr_id,
      disposition,
      reason: disposition === 'continue' ? '临床必需' : '',
      delivery: 'queued',
      at: '2026-11-29T01:00:00.000Z',
      version,
      forTask: 'T-EARLIER',
      encounter: 'P-A\u0000M-1',
    },
    { warnType: '1', sidecar: 'http://127.0.0.1:17311', envelope: { opter: 'D001', opter_name: '王医生' } },
  );
}

function replay(
  decisions: Map<string, TrackedDecision>,
  results: readonly JudgeResultDto[],
  options: ShowOptions,
  nextVersion: () => number,
  queued: readonly FeedbackItem[] = [],
): void {
  replayEarlierAnswers(decisions, results, options, {
    taskId: TASK,
    nextVersion,
    // As FeedbackSender.queuedFor: the latest answer queued for the warning.
    queuedFor: (jrId) => queued.filter((item) => item.jrId === jrId).pop(),
  });
}

describe('replayEarlierAnswers', () => {
  it('takes a version for each disposition in their order first, then for each prior_dspo in the results’ order', () => {
    // The prior_dspo warnings come first among the results: the dispositions are still numbered before them.
    const results = [
      shown('JR-PRIOR-1', { prior_dspo: true, dspo_way: '1', dspo_way_rea: '临床需要' }),
      shown('JR-DSPO-1'),
      shown('JR-PRIOR-2', { prior_dspo: true, dspo_way: '1' }),
      shown('JR-DSPO-2'),
    ];
    const { nextVersion, handedOut } = counter(10);
    const decisions = new Map<string, TrackedDecision>();
    replay(
      decisions,
      results,
      {
        taskCreatedAt: TASK_CREATED,
        dispositions: {
          'JR-DSPO-2': { dspo_way: '2', at: '2026-11-29T02:05:00.000Z' },
          'JR-DSPO-1': { dspo_way: '1', dspo_way_rea: '临床必需', at: '2026-11-29T02:06:00.000Z' },
        },
      },
      nextVersion,
    );
    const versionOf = (jrId: string) => decisions.get(jrId)?.version;
    expect(handedOut).toEqual([11, 12, 13, 14]);
    expect(['JR-DSPO-2', 'JR-DSPO-1', 'JR-PRIOR-1', 'JR-PRIOR-2'].map(versionOf)).toEqual([11, 12, 13, 14]);
    expect(decisions.get('JR-DSPO-2')).toMatchObject({ disposition: 'modify', reason: '', delivery: 'recorded' });
    expect(decisions.get('JR-PRIOR-1')).toMatchObject({ disposition: 'continue', reason: '临床需要' });
  });

  it('gives a disposition older than the task no task, a later one this task, and a prior_dspo its result’s task', () => {
    const results = [
      shown('JR-OLD'),
      shown('JR-NEW'),
      shown('JR-PRIOR-OWN', { prior_dspo: true, dspo_way: '1', task_id: 'T-RESULT' }),
      shown('JR-PRIOR-BARE', { prior_dspo: true, dspo_way: '1' }),
    ];
    const decisions = new Map<string, TrackedDecision>();
    replay(
      decisions,
      results,
      {
        taskCreatedAt: TASK_CREATED,
        dispositions: {
          'JR-OLD': { dspo_way: '2', at: '2026-11-29T01:59:59.000Z' },
          'JR-NEW': { dspo_way: '2', at: '2026-11-29T02:00:01.000Z' },
        },
      },
      counter(0).nextVersion,
    );
    expect(decisions.get('JR-OLD')?.forTask).toBeUndefined();
    expect(decisions.get('JR-NEW')?.forTask).toBe(TASK);
    expect(decisions.get('JR-PRIOR-OWN')?.forTask).toBe('T-RESULT');
    expect(decisions.get('JR-PRIOR-BARE')?.forTask).toBe(TASK);
    expect(decisions.get('JR-NEW')?.encounter).toBe('P-A\u0000M-1');
  });

  it('never overwrites a queued answer, and a replayed queued answer keeps its own version', () => {
    const held = shown('JR-HELD');
    const left = shown('JR-LEFT', { prior_dspo: true, dspo_way: '1' });
    const heldAnswer: TrackedDecision = {
      jrId: 'JR-HELD',
      disposition: 'modify',
      reason: '',
      delivery: 'queued',
      at: '2026-11-29T02:10:00.000Z',
      version: 5,
      forTask: TASK,
      encounter: 'P-A\u0000M-1',
    };
    const decisions = new Map<string, TrackedDecision>([['JR-HELD', heldAnswer]]);
    const { nextVersion, handedOut } = counter(20);
    replay(
      decisions,
      [held, left],
      { taskCreatedAt: TASK_CREATED, dispositions: { 'JR-HELD': { dspo_way: '1', at: '2026-11-29T02:01:00.000Z' } } },
      nextVersion,
      [queuedAnswer(left, 7, 'continue')],
    );
    // The sidecar's disposition is older news than the answer still on its way.
    expect(decisions.get('JR-HELD')).toBe(heldAnswer);
    // The earlier page's answer stands over the sidecar's prior_dspo, under the version it was queued with.
    expect(decisions.get('JR-LEFT')).toMatchObject({ delivery: 'queued', version: 7, reason: '临床必需' });
    expect(handedOut).toEqual([]);
  });

  it('replaces a recorded answer with the sidecar’s disposition, under a new version', () => {
    const recorded: TrackedDecision = {
      jrId: 'JR-REC',
      disposition: 'continue',
      reason: '临床必需',
      delivery: 'recorded',
      at: '2026-11-29T02:01:00.000Z',
      version: 3,
      forTask: TASK,
      encounter: 'P-A\u0000M-1',
    };
    const decisions = new Map<string, TrackedDecision>([['JR-REC', recorded]]);
    replay(
      decisions,
      [shown('JR-REC')],
      { taskCreatedAt: TASK_CREATED, dispositions: { 'JR-REC': { dspo_way: '2', at: '2026-11-29T02:02:00.000Z' } } },
      counter(3).nextVersion,
    );
    expect(decisions.get('JR-REC')).toMatchObject({ disposition: 'modify', version: 4, delivery: 'recorded' });
  });
});

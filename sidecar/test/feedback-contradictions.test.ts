import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, testServer } from './helpers/test-server';

// Spec §4.1: warn_type answers "3101 的结果回 1，3102 的结果回 2"; one warns list answers each reminder once.
let server: SidecarServer;

beforeAll(async () => {
  server = await testServer();
  await server.listen();
});
afterAll(async () => {
  await server.close();
});

async function analyse(encounterId: string, infno: '3101' | '3102' = '3101') {
  const { body } = await callOverHttp(server, analysisEnvelope({ encounterId, infno }));
  expect(body.infcode).toBe(0);
  expect(body.output.result!.length).toBeGreaterThan(0);
  return body.output.result!;
}

function stored(jrId: string) {
  return server.db
    .prepare('SELECT dspo_way AS way, dspo_way_rea AS reason, warn_type AS warnType FROM dispositions WHERE jr_id = ?')
    .get(jrId);
}

describe('3103 contradictions', () => {
  it('refuses two different decisions on one warn_rslt_id in one call, naming the later entry, and stores none', async () => {
    const [a, b] = await analyse('MZ-DUP-1');
    for (const warns of [
      [
        { jrId: a!.jr_id, way: '1' as const, reason: '理由A' },
        { jrId: a!.jr_id, way: '2' as const },
      ],
      [
        { jrId: b!.jr_id, way: '2' as const },
        { jrId: a!.jr_id, way: '2' as const },
        { jrId: b!.jr_id, way: '1' as const, reason: '患者确需' },
      ],
    ]) {
      const { body } = await callOverHttp(server, feedbackEnvelope(warns));
      expect(body.infcode).toBe(-1);
      expect(body.err_msg).toMatch(
        new RegExp(
          `input\\.data\\.warns\\[${warns.length - 1}\\]\\.warn_rslt_id: "${warns[0]!.jrId}" 在 warns\\[0\\] 已有不同的处理`,
        ),
      );
    }
    expect(stored(a!.jr_id)).toBeUndefined();
    expect(stored(b!.jr_id)).toBeUndefined();
  });

  it('takes the same decision given twice as one', async () => {
    const [a] = await analyse('MZ-DUP-2');
    const twice = [
      { jrId: a!.jr_id, way: '1' as const, reason: '患者确需' },
      { jrId: a!.jr_id, way: '1' as const, reason: '患者确需' },
    ];
    const { body } = await callOverHttp(server, feedbackEnvelope(twice));
    expect(body.infcode).toBe(0);
    expect(server.db.prepare('SELECT revision FROM dispositions WHERE jr_id = ?').get(a!.jr_id)).toEqual({
      revision: 1,
    });
  });

  it("stores the reminder's own warn_type (3101 → 1, 3102 → 2) whatever the call says, and accepts it", async () => {
    const [onPre] = await analyse('MZ-WT-1', '3101');
    const answered = await callOverHttp(server, feedbackEnvelope([{ jrId: onPre!.jr_id, way: '2' }], '2'));
    expect(answered.body.infcode).toBe(0);
    expect(stored(onPre!.jr_id)).toMatchObject({ way: '2', warnType: '1' });

    const [during] = await analyse('ZY-WT-2', '3102');
    const other = await callOverHttp(server, feedbackEnvelope([{ jrId: during!.jr_id, way: '2' }], '1'));
    expect(other.body.infcode).toBe(0);
    expect(stored(during!.jr_id)).toMatchObject({ way: '2', warnType: '2' });
  });
});

/**
 * A ward stay on a drug whose 药品限适应症 a local mapping gave ICD-10 prefixes (阿瑞匹坦注射液, batch 12, 限放化疗。,
 * mapped to Z51.0/Z51.1): with no 放化疗 diagnosis it is sev 2 / reason. The question — does a diagnosis of the
 * encounter start with one of them — is a fact of the encounter's diagnoses, so the doctor who continued it with a
 * reason on day 1 gets day 2's card (a new order of the drug) back prior_dspo with that reason, instead of being asked
 * again every day, nor again when a diagnosis that does not meet the prefixes is added, on the ward or at the
 * settlement (3102 with a 出院诊断). A real sidecar with its real SQLite file over loopback
 * HTTP, on a library built from the hospital's CSV the way the bundle CLI builds one.
 */
import type { LibraryData } from '@prealert/core';
import { buildLibrary, readCsv, readFramework } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';
import { wardDayEnvelope } from './helpers/ward-day-envelope';

const INDICATION = 'GZ10000101008000';
const APREPITANT = { code: 'XA04ADA285B002010102180', name: '阿瑞匹坦注射液' };

type Result = NonNullable<NationalReply['output']['result']>[number] & { prior_dspo?: boolean; dspo_way_rea?: string };

function mappedLibrary(): LibraryData {
  const source = readCsv(
    `rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
药品限适应症,GZ10000101008000,drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,${APREPITANT.code}
`,
    'local.csv',
  );
  if (!source.ok) throw new Error(JSON.stringify(source.issues));
  const built = buildLibrary({
    meta: { version: 'local-ap-1', region: 'H11010100001', createdAt: '2026-11-20T00:00:00+08:00' },
    sources: [source.value],
    framework: readFramework(),
    seedRules: false,
  });
  if (!built.ok) throw new Error(JSON.stringify(built.issues));
  return built.value;
}

let server: SidecarServer & { dataDir: string };
beforeAll(async () => {
  server = await testServer({}, { library: mappedLibrary() });
  await server.listen();
});
afterAll(async () => {
  await server?.close();
});

/** The stay's 3101 on day `day` (0 = admission, 2026-11-18): one order of the drug per day, earlier days as context. */
function wardDay(
  encounterId: string,
  day: number,
  diagnoses: string[],
  settlement?: { discharge: string },
): Record<string, unknown> {
  return wardDayEnvelope({
    encounterId,
    day,
    drug: APREPITANT,
    diagnoses: diagnoses.map((code) => ({ code, name: '诊断' })),
    ...(settlement ? { settlement } : {}),
  });
}

async function indicationCard(envelope: Record<string, unknown>): Promise<Result> {
  const reply = await callOverHttp(server, envelope);
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  const cards = (reply.body.output.result as Result[]).filter((r) => r.rule_id === INDICATION);
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

describe('a mapped indication (ICD prefixes) ordered daily on the ward', () => {
  it("comes back prior_dspo on day 2 after day 1's 继续执行 with a reason, after a diagnosis is added, and at settlement", async () => {
    const diagnoses = ['C34.900', 'R11.x00'];
    const first = await indicationCard(wardDay('ZY-AP-1', 0, diagnoses));
    expect(first.sev_deg).toBe('2');
    expect(first.prior_dspo).toBeUndefined();
    const reason = '肺癌化疗周期中，化疗医嘱在外院执行，继续执行';
    const answered = await callOverHttp(server, feedbackEnvelope([{ jrId: first.jr_id, way: '1', reason }]));
    expect(answered.body.infcode, answered.body.err_msg).toBe(0);

    const second = await indicationCard(wardDay('ZY-AP-1', 1, diagnoses));
    expect(second.jr_id).toBe(first.jr_id);
    expect(second.prior_dspo).toBe(true);
    expect(second.dspo_way_rea).toBe(reason);

    // Day 3: neutropenia added, still no 放化疗 code: the same question, already answered for the stay.
    const changed = await indicationCard(wardDay('ZY-AP-1', 2, [...diagnoses, 'D70.x00']));
    expect(changed.jr_id).toBe(first.jr_id);
    expect(changed.prior_dspo).toBe(true);

    // The settlement (3102, 住院结算) with a 出院诊断 the ward never sent: not asked again at the desk.
    const settled = await indicationCard(wardDay('ZY-AP-1', 2, diagnoses, { discharge: 'C34.901' }));
    expect(settled.jr_id).toBe(first.jr_id);
    expect(settled.prior_dspo).toBe(true);
    expect(settled.dspo_way_rea).toBe(reason);

    // A diagnosis that meets the prefixes silences it.
    const reply = await callOverHttp(server, wardDay('ZY-AP-1', 2, [...diagnoses, 'Z51.100']));
    expect(reply.body.infcode, reply.body.err_msg).toBe(0);
    expect((reply.body.output.result as Result[]).filter((r) => r.rule_id === INDICATION)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callOverHttp, testServer } from './helpers/test-server';
import { until } from './helpers/until';

// Spec §2.2: rule_ids is the alternative to trig_scen (二选一，优先填 trig_scen). A HIS's own ids ("R01") name no rule
// here: they switched every check off and the doctor got a clean, empty answer.
let server: SidecarServer;
let logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const { logger, lines } = capturingLogger();
  logLines = lines;
  server = await testServer({}, { logger });
  await server.listen();
});
afterAll(async () => {
  await server.close();
});

const PATIENT_ID = '44010000000001234567';
const PATIENT_NAME = '钱隐私';

function withRuleIds(encounterId: string, ruleIds: unknown, trigScen: string) {
  const envelope = analysisEnvelope({ encounterId, patientId: PATIENT_ID, patientName: PATIENT_NAME, trigScen });
  (envelope as { input: { data: Record<string, unknown> } }).input.data.rule_ids = ruleIds;
  return envelope;
}

const warnings = () => logLines.filter((l) => String(l.msg).includes('rule_ids name no rule'));

describe('rule_ids naming no rule of the active library', () => {
  it('are ignored: the call is evaluated as without them, and IT is told once, with no patient data', async () => {
    for (const trigScen of ['', '2']) {
      const { body } = await callOverHttp(server, withRuleIds(`MZ-RID-${trigScen || 'none'}`, ['R01'], trigScen));
      expect(body.infcode).toBe(0);
      expect(body.output.result!.map((r) => r.rule_id)).toContain(SEX_RULE_DRUG);
    }
    // On the analysis thread the line crosses to this one as a message of its own: polled for rather than slept on, so
    // that a slow crossing on a loaded machine cannot fail the test; then a moment more for a second, which must not come.
    await until(() => warnings().length > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(warnings()).toHaveLength(1);
    const [line] = warnings();
    expect(line!.rule_ids).toEqual(['R01']);
    expect(line!.level).toBe(40);
    const text = JSON.stringify(line);
    expect(text).not.toContain(PATIENT_ID);
    expect(text).not.toContain(PATIENT_NAME);
  });

  it('beside a known id, the known one still narrows the rules that run', async () => {
    const { body } = await callOverHttp(server, withRuleIds('MZ-RID-MIX', ['R01', SEX_RULE_DRUG], ''));
    expect(body.infcode).toBe(0);
    const rules = body.output.result!.map((r) => r.rule_id);
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules)).toEqual(new Set([SEX_RULE_DRUG]));
  });
});

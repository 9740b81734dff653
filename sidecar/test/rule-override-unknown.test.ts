/**
 * An `evaluator.ruleOverrides` id that names no rule (GZ1000030100400, one digit short of 药品区分性别使用
 * GZ10000301004000) used to start without a word and change nothing (finding 5). The config is checked before a
 * library loads and libraries change, so it is not refused: the built sidecar warns at start and after each swap,
 * and /v1/status lists the ids. A real sidecar over loopback HTTP, a real bundle pushed with the built CLI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { tempDir, waitFor } from './sync-support';

const TOKEN = 'rule-override-test-token-0123456789';
const TYPO = 'GZ1000030100400';
const SEX = 'GZ10000301004000';
const INDICATION = 'GZ10000101008000';
const work = tempDir('rule-override');
let host: RunningSidecar;

function prealert(args: string[]) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PREALERT_ADMIN_TOKEN: TOKEN },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

type LogLine = { level: number; msg: string; unknown_rule_overrides?: string[]; library?: string };
const warnings = (): LogLine[] =>
  host
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.unknown_rule_overrides !== undefined);

async function unknownOverrides(): Promise<{ library: string; unknown: string[] }> {
  const body = (await (await fetch(`${host.url}/v1/status`)).json()) as {
    library: { version: string };
    config: { unknown_rule_overrides: string[] };
  };
  return { library: body.library.version, unknown: body.config.unknown_rule_overrides };
}

beforeAll(async () => {
  const keygen = prealert(['keygen', '--out', path.join(work, 'keys')]);
  if (keygen.code !== 0) throw new Error(keygen.stderr);
  const config = path.join(work, 'prealert.config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      evaluator: {
        ruleOverrides: { [TYPO]: { enabled: false }, [SEX]: { severity: 2 }, [INDICATION]: { severity: 1 } },
      },
    }),
  );
  const dataDir = path.join(work, 'data');
  fs.mkdirSync(dataDir);
  host = await spawnSidecar(dataDir, ['--config', config], {
    PREALERT_ADMIN_TOKEN: TOKEN,
    PREALERT_SYNC_PUBKEY: path.join(work, 'keys', 'prealert-bundle.pub'),
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('a rule override naming no rule of the active library', () => {
  it('is warned about at start, naming only that id, and listed in /v1/status', async () => {
    const { library, unknown } = await unknownOverrides();
    expect(unknown).toEqual([TYPO]);
    const [warned, ...more] = warnings();
    expect(more).toEqual([]);
    expect(warned).toMatchObject({ level: 40, unknown_rule_overrides: [TYPO], library });
    expect(warned!.msg).toBe(
      `evaluator.ruleOverrides names no rule of library ${library}, so these overrides change nothing: ${TYPO}`,
    );
  });

  it('is checked again after a library swap: a rule the new library lacks is named then', async () => {
    const csv = path.join(work, 'local.csv');
    fs.writeFileSync(
      csv,
      [
        'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code',
        `药品限适应症,${INDICATION},drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,XA04ADA285B002010102180`,
      ].join('\n'),
    );
    const out = path.join(work, 'local-bundle');
    const key = path.join(work, 'keys', 'prealert-bundle.key');
    const built = prealert([
      'bundle',
      'build',
      '--source',
      csv,
      '--version',
      'hosp-2026.11.3',
      '--key',
      key,
      '--out',
      out,
      '--allow-shrink',
    ]);
    expect(built.code).toBe(0);
    const hostsFile = path.join(work, 'hosts.txt');
    fs.writeFileSync(hostsFile, host.url);
    const pushed = prealert(['push', '--bundle', out, '--hosts', hostsFile, '--allow-shrink']);
    expect(pushed.code).toBe(0);

    const after = await unknownOverrides();
    expect(after.library).toBe('hosp-2026.11.3');
    // The local bundle has the rules of its rows only: the sex rule is gone with the national points.
    expect(after.unknown).toEqual([TYPO, SEX]);
    const swapped = await waitFor('the warning after the swap', () =>
      warnings().find((line) => line.library === 'hosp-2026.11.3'),
    );
    expect(swapped).toMatchObject({ level: 40, unknown_rule_overrides: [TYPO, SEX] });
  }, 120_000);
});

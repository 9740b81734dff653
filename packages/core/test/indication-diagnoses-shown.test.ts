import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, resultsOf, run } from './support/requests';

/**
 * A text-only 药品限适应症 reminder asks the doctor to confirm the restriction; it says what the encounter sent to
 * confirm against: the diagnoses (code and name, at most three, then 等 N 项), or that none were sent.
 */
const lib = nationalLibrary();
const INDICATION = 'GZ10000101008000';
const ALLISARTAN = 'XC09CAA284A001010100553'; // 阿利沙坦酯片, 限轻、中度原发性高血压。

type Dx = [code: string, name: string];

function reminder(diagnoses: Dx[]): string {
  const input = analysisInput({ diagnoses: diagnoses.map(([c]) => c), lines: [{ code: ALLISARTAN, rx_id: 'R1' }] });
  const encounter = (
    input.data as unknown as {
      patient_dtos: {
        fsi_encounter_dtos: {
          dscg_main_dise_name: string;
          fsi_diagnose_dtos: { dise_name: string }[];
        }[];
      }[];
    }
  ).patient_dtos[0]!.fsi_encounter_dtos[0]!;
  encounter.dscg_main_dise_name = diagnoses[0]?.[1] ?? '';
  encounter.fsi_diagnose_dtos.forEach((d, i) => {
    d.dise_name = diagnoses[i]![1];
  });
  const [r, ...more] = resultsOf(run(lib, input), INDICATION);
  expect(more).toEqual([]);
  return r!.vola_cont;
}

describe('text-only indication reminders name the diagnoses sent', () => {
  it('one diagnosis: its code and name', () => {
    expect(reminder([['J06.900', '急性上呼吸道感染']])).toBe(
      '【阿利沙坦酯片】为限适应症支付药品（限轻、中度原发性高血压），本次诊断为 J06.900 急性上呼吸道感染，请确认患者符合支付条件。',
    );
  });

  it('more than three: the first three and how many', () => {
    expect(
      reminder([
        ['J06.900', '急性上呼吸道感染'],
        ['E11.900', '2型糖尿病'],
        ['K29.700', '胃炎'],
        ['M54.500', '下背痛'],
      ]),
    ).toBe(
      '【阿利沙坦酯片】为限适应症支付药品（限轻、中度原发性高血压），本次诊断为 J06.900 急性上呼吸道感染、E11.900 2型糖尿病、K29.700 胃炎 等 4 项，请确认患者符合支付条件。',
    );
  });

  it('none sent: says so', () => {
    expect(reminder([])).toBe(
      '【阿利沙坦酯片】为限适应症支付药品（限轻、中度原发性高血压），本次未传诊断，请确认患者符合支付条件。',
    );
  });
});

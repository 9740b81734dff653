/**
 * Schemas 20 and 21, run in turn: a workstation already at schema 19 stored 3103 reasons with the forms after a cue word that the masking
 * learned since (电话 0571-8765 4321, 联系电话（家属）138 1234 5678, 电话：0871—65432109, a tab after the cue, 手机
 * 139—8765—4321, 电话：0571-8765-4321; and a mobile joined by a hyphen to digits that are no phone, 家属
 * 13812345678-2026-11-29) in clear. The new build masks them when it first opens the records, wherever the reason was copied, off the disk, and
 * leaves a clinical reason whole. A real sidecar on loopback over a real SQLite file written at schema 19; the rule
 * and item are real national ones.
 */
import { describe, it } from 'vitest';
import { expectStoredPhoneFormsMasked } from './helpers/stored-phone-forms-masked';

const SCHEMA_19 = 19;
/** Each a form schema 19's masking kept in clear. */
const NUMBERS = [
  '0571-8765 4321',
  '138 1234 5678',
  '0871—65432109',
  '0571 8765 4321',
  '139—8765—4321',
  '0571-8765-4321',
  '13812345678',
];
const CALLED =
  '电话 0571-8765 4321 未接，联系电话（家属）138 1234 5678 同意，科室电话：0871—65432109，座机\t0571 8765 4321，' +
  '手机139—8765—4321，电话：0571-8765-4321，家属13812345678-2026-11-29复诊';
const MASKED =
  '电话 [redacted] 未接，联系电话（家属）[redacted] 同意，科室电话：[redacted]，座机\t[redacted]，手机[redacted]，' +
  '电话：[redacted]，家属[redacted]-2026-11-29复诊';

describe('schema 20 (phone forms after a cue word schema 19 left in clear masked in the stored reasons)', () => {
  it('masks them in the decision, the result body and the outbox entry, off the disk; a clinical reason stays', async () => {
    await expectStoredPhoneFormsMasked({ schema: SCHEMA_19, numbers: NUMBERS, called: CALLED, masked: MASKED });
  });
});

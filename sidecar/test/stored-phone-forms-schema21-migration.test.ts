/**
 * Schema 21: a workstation already at schema 20 (the build of 283145a) stored 3103 reasons with forms its masking kept
 * in clear and today's masks: a local number split by a second hyphen after a cue word, a bracketed area code split
 * after one, a +86 landline, and a mobile or +86/0086 number joined by a hyphen to digits that are no phone. The new
 * build masks them when it first opens the records, wherever the reason was copied, off the disk, and leaves a
 * clinical reason whole. A real sidecar on loopback over a real SQLite file written at schema 20; the rule and item
 * are real national ones.
 */
import { describe, it } from 'vitest';
import { expectStoredPhoneFormsMasked } from './helpers/stored-phone-forms-masked';

const SCHEMA_20 = 20;
/** Each a form schema 20's masking (283145a) kept in clear. */
const NUMBERS = ['0571-8765-4321', '(010)6234-5678', '+86-10-62345678', '13812345678', '0086-21-52345678'];
const CALLED =
  '电话：0571-8765-4321 未接，科室电话(010)6234-5678，总机 +86-10-62345678，家属13812345678-2026-11-29复诊，' +
  '家属 13912345678-0086-21-52345678';
const MASKED =
  '电话：[redacted] 未接，科室电话[redacted]，总机 [redacted]，家属[redacted]-2026-11-29复诊，家属 [redacted]-[redacted]';

describe('schema 21 (phone forms schema 20 left in clear masked in the stored reasons)', () => {
  it('masks them in the decision, the result body and the outbox entry, off the disk; a clinical reason stays', async () => {
    await expectStoredPhoneFormsMasked({ schema: SCHEMA_20, numbers: NUMBERS, called: CALLED, masked: MASKED });
  });
});

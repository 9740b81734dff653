/**
 * What the request log keeps of an infno: a code (right, mistyped or padded) tells IT which call a HIS sent; any
 * other text may be a patient's name from a slipped column mapping and is dropped.
 */
import { describe, expect, it } from 'vitest';
import { loggedInfno } from '../src/plugins/request-log';

describe('loggedInfno', () => {
  it('keeps a code, a mistyped one and one padded with spaces', () => {
    expect(loggedInfno('3101')).toBe('3101');
    expect(loggedInfno('310l')).toBe('310l');
    expect(loggedInfno('3101 ')).toContain('3101');
    expect(loggedInfno(' 3102\t')).toContain('3102');
  });

  it('drops a name, with or without an ID number after it', () => {
    expect(loggedInfno('张三丰')).toBe('[值略]');
    expect(loggedInfno('张三丰110105199003071234')).toBe('[值略]');
  });
});

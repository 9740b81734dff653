import { describe, expect, it } from 'vitest';
import { message } from '../src/sync/error-message';
import { workstationError } from '../src/sync/sync-request-error';

describe('sync error messages', () => {
  it('word anything thrown, `throw undefined` and `throw null` included, instead of throwing again', () => {
    expect(message(new Error('disk gone'))).toBe('disk gone');
    expect(message({ message: 'from a worker' })).toBe('from a worker');
    expect(message(undefined)).toBe('undefined');
    expect(message(null)).toBe('null');
    expect(message('text')).toBe('text');
    expect(workstationError('saving', undefined, '/data').message).toBe('saving: undefined');
    expect(workstationError('saving', null, '/data').statusCode).toBe(500);
  });
});

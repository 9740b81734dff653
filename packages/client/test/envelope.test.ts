import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/breaker';
import { EnvelopeBuilder, formatInfTime } from '../src/envelope';

describe('request envelope', () => {
  it('lays msgid out as institution (12) + yyyyMMddHHmmss + sequence (4)', () => {
    const builder = new EnvelopeBuilder({ fixmedins_code: 'H11010500001', opter: 'D0001' });
    const now = new Date(2026, 10, 23, 9, 5, 7);
    const first = builder.build('3101', { data: {} }, {}, now);
    const second = builder.build('3103', { data: {} }, { opter: 'D0002' }, now);
    expect(first.msgid).toBe('H11010500001202611230905070001');
    expect(first.msgid).toHaveLength(30);
    expect(second.msgid?.endsWith('0002')).toBe(true);
    expect(first).toMatchObject({ infno: '3101', infver: 'V1.0', opter: 'D0001', inf_time: '2026-11-23 09:05:07' });
    expect(second.opter).toBe('D0002');
    expect(formatInfTime(now)).toBe('2026-11-23 09:05:07');
  });
});

describe('circuit breaker', () => {
  it('opens 5 s after a refused connection and 10 s after three timeouts in a row', () => {
    let now = 0;
    const breaker = new CircuitBreaker(
      { afterConnectFailureMs: 5000, timeoutStreak: 3, afterTimeoutsMs: 10_000 },
      () => now,
    );
    breaker.recordConnectFailure();
    expect(breaker.isOpen()).toBe(true);
    now = 5000;
    expect(breaker.isOpen()).toBe(false);
    breaker.recordTimeout();
    breaker.recordTimeout();
    expect(breaker.isOpen()).toBe(false);
    breaker.recordSuccess();
    breaker.recordTimeout();
    breaker.recordTimeout();
    expect(breaker.isOpen()).toBe(false);
    breaker.recordTimeout();
    expect(breaker.isOpen()).toBe(true);
    now = 14_999;
    expect(breaker.isOpen()).toBe(true);
    now = 15_000;
    expect(breaker.isOpen()).toBe(false);
  });
});

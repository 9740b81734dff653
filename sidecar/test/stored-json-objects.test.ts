import { describe, expect, it } from 'vitest';
import { storedJson } from '../src/store/unreadable-stored-json';

// Every result body and outbox payload is a JSON object. A text that parses to something else (a damaged row reading
// `null`, a hand edit to a string) is as unreadable as a cut-short one: the task page would fail setting task_id on
// null, and a 3103 payload "x" would be handed to the gateway (review r3).
describe('storedJson', () => {
  it('reads a JSON object', () => {
    expect(storedJson('{"jr_id":"JR1","vola_amt":12.5}')).toEqual({ value: { jr_id: 'JR1', vola_amt: 12.5 } });
  });

  it.each(['null', '"x"', '[1,2]', '42', 'true', '{"jr_id":', ''])('takes %j for unreadable', (text) => {
    expect(storedJson(text)).toBeUndefined();
  });
});

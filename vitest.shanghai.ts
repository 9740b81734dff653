import { expect } from 'vitest';

// The lane is worth nothing if the zone did not take (an ICU without time-zone data reads an unknown TZ as UTC):
// every file of it fails here rather than passing in UTC again.
expect(
  new Date(Date.UTC(2026, 10, 30, 16, 30)).getDate(),
  'TZ=Asia/Shanghai did not take: 16:30 UTC on 30 Nov is 00:30 on 1 Dec in Shanghai',
).toBe(1);

import { Writable } from 'node:stream';
import pino from 'pino';

/** A pino logger whose lines a test reads back, parsed, from `lines` (what the sidecar logged, as it logged it). */
export function capturingLogger(level: pino.Level = 'info'): {
  logger: pino.Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

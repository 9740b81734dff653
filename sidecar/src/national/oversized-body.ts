import type { IncomingMessage } from 'node:http';

/**
 * The most of a refused body read (and thrown away) before answering: past it the connection is closed mid-body.
 * Four times the limit lets through a HIS that sent a long stay somewhat over it; 64 MiB bounds what one refused call
 * makes the sidecar read on a large limit.
 */
export function discardCapBytes(bodyLimitBytes: number): number {
  return Math.min(4 * bodyLimitBytes, 64 * 1024 * 1024);
}

/** `drained`: the body was read to its end; `capped`: more than the cap came; `gone`: the client went away. */
export type DiscardOutcome = 'drained' | 'capped' | 'gone';

/**
 * Reads the rest of a request body without keeping it. Answering while the client is still sending and then closing
 * resets the connection under bytes it has not read: most HIS HTTP libraries (Java HttpURLConnection, .NET, node)
 * then report a write error (EPIPE) instead of the answer, and the charge desk sees a transport failure instead of
 * the refusal that names the setting.
 */
export function discardRest(request: IncomingMessage, capBytes: number): Promise<DiscardOutcome> {
  if (request.complete || request.readableEnded) return Promise.resolve('drained');
  if (request.destroyed) return Promise.resolve('gone');
  return new Promise((resolve) => {
    let discarded = 0;
    const finish = (outcome: DiscardOutcome) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onGone);
      request.off('error', onGone);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > capBytes) {
        request.pause();
        finish('capped');
      }
    };
    const onEnd = () => finish('drained');
    const onGone = () => finish('gone');
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onGone);
    request.once('error', onGone);
    request.resume();
  });
}

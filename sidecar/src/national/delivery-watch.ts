import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/**
 * Calls `undelivered` once if the answer about to be written on `res` does not reach the client's socket whole: the
 * client closed the connection before it was written (a widget or SDK that gave up on a slow 3101, the native shim
 * past its deadline), or while it was (a long answer). Call just before writing the answer.
 *
 * Neither 'finish' nor writableFinished tells a cut-off write apart: node:http (20) emits 'finish', and sets
 * writableFinished, for an answer written to a connection already closed, and for one whose socket failed with
 * ECONNRESET halfway. What does tell is the response already destroyed when the answer is ready, and the socket
 * errored by the time the response closes. A response on a keep-alive connection closes once it is written, the
 * socket open and unharmed, so the connection's later requests and its eventual close are never taken for this one.
 * "Delivered" is as far as this side can know: handed whole to the operating system, not read by the client.
 */
export function watchDelivery(res: ServerResponse, undelivered: () => void): void {
  const socket = res.socket;
  // An injected request (fastify's inject) is answered into a stand-in stream, with no client to lose.
  if (socket !== null && !(socket instanceof Socket)) return;
  if (res.destroyed || socket === null || socket.destroyed) {
    undelivered();
    return;
  }
  res.once('close', () => {
    if (!res.writableFinished || socket.errored) undelivered();
  });
}

/**
 * watchDelivery for a caller that has just written the answer (`res.end`), as the direct lane does: an answer the
 * socket took whole, the usual case, is finished at once and needs no listener (a listener, and the record its
 * closure holds until the response closes, on every answer cost the request thread measurably in `pnpm bench:http`).
 * A client gone before is seen as a destroyed socket; an answer still being written (a long one) is watched to its
 * close as watchDelivery does.
 */
export function watchWrittenDelivery(res: ServerResponse, undelivered: () => void): void {
  const socket = res.socket;
  if (socket !== null && !(socket instanceof Socket)) return;
  if (res.destroyed || socket === null || socket.destroyed) {
    undelivered();
    return;
  }
  if (res.writableFinished && !socket.errored) return;
  res.once('close', () => {
    if (!res.writableFinished || socket.errored) undelivered();
  });
}

/** What a handler tells the per-request log line and metrics about the request it answered. */
export interface RequestFacts {
  infno: string;
  taskId?: string;
  /** taskId with the request's patient names masked, for the log line (which masks ID numbers itself). */
  loggedTaskId?: string;
  /** false when a national request was answered with infcode -1. */
  ok: boolean;
  /** The err_msg of a failed national request, shortened: the log line then says why without a lookup. */
  error?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    prealert: RequestFacts | null;
  }
}

/** A JSON object (not null, not an array): the guard every tolerant reader of untyped input in the SDK starts from. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

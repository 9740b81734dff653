/**
 * corsOrigins as both readers of it take it: the CORS answers (cors.ts) and the national route's Origin check
 * (national-answerer.ts). In one place because they differ on purpose, and only there: `"*"` admits any origin to
 * call the sidecar, but Private Network Access is earned by an origin listed by name alone (a page anywhere on the
 * internet is what it exists to keep away from the workstation).
 */
export interface CorsPolicy {
  /** `"*"` is listed: any web page may call (read answers, figures and tasks; send 3101/3103). */
  readonly anyOrigin: boolean;
  /** The origins listed by name. */
  readonly named: ReadonlySet<string>;
  /** Whether a call from this origin is admitted. */
  admits(origin: string): boolean;
  /** Whether this origin's preflight is answered Access-Control-Allow-Private-Network: never under "*" alone. */
  grantsPrivateNetwork(origin: string): boolean;
}

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  const anyOrigin = origins.includes('*');
  const named = new Set(origins.filter((origin) => origin !== '*'));
  return {
    anyOrigin,
    named,
    admits: (origin) => anyOrigin || named.has(origin),
    grantsPrivateNetwork: (origin) => named.has(origin),
  };
}

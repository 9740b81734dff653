/** A library as its manifest names it: the whole file's hash, and its rules' and points' (the header aside). */
export interface NamedLibrary {
  version: string;
  sha256: string;
  rules_sha256: string;
  knowledge_points_sha256: string;
}

const short = (sha256: string): string => sha256.slice(0, 12);

/**
 * Why a library may not follow its parent under the parent's version name, or undefined when it may. Workstations,
 * `fleet status`, readyz and the metrics show the version name only: a second library under the same name could not
 * be told apart from the first, and messages such as "uses X instead of X" say nothing.
 */
export function sameVersionProblem(parent: NamedLibrary, next: NamedLibrary): string | undefined {
  if (parent.version !== next.version) return undefined;
  // The header (created_at, description) aside: a rebuild of the same sources is the same library.
  if (parent.rules_sha256 === next.rules_sha256 && parent.knowledge_points_sha256 === next.knowledge_points_sha256) {
    return (
      `version ${next.version} is the parent's version and its rules and knowledge points are the parent's ` +
      `(sha256 ${short(parent.sha256)}): nothing changed, so there is nothing to publish`
    );
  }
  return (
    `version ${next.version} is also the version of the parent ${parent.version} (sha256 ${short(parent.sha256)}), ` +
    `but this library differs (sha256 ${short(next.sha256)}): workstations and fleet status show only the name, ` +
    'so the two could not be told apart; give the new library a version name of its own'
  );
}

/**
 * A created_at further ahead of this clock than a workstation allows (its PREALERT_SYNC_MAX_CLOCK_SKEW_S) is refused
 * by every workstation whose clock is right: said here, before it is published, rather than by each workstation.
 */
export function futureDateWarning(createdAt: string, nowMs: number, maxAheadMs: number): string | undefined {
  const ahead = Date.parse(createdAt) - nowMs;
  if (!(ahead > maxAheadMs)) return undefined;
  return (
    `created_at ${createdAt} is ${Math.round(ahead / 60_000)} min ahead of this clock: a workstation refuses a ` +
    `bundle dated more than ${Math.round(maxAheadMs / 60_000)} min ahead of its own clock, so every workstation ` +
    'with a correct clock will refuse this one'
  );
}

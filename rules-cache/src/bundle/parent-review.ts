import type { KnowledgePoint } from '@prealert/core';

/** A library as its manifest names it: the whole file's hash, and its rules' and points' (the header aside). */
export interface NamedLibrary {
  version: string;
  sha256: string;
  rules_sha256: string;
  knowledge_points_sha256: string;
}

/** What a review needs of a library: its name and its points. */
export interface ReviewedLibrary {
  version: string;
  knowledgePoints: readonly Pick<KnowledgePoint, 'id' | 'itemName' | 'batch'>[];
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

/** National points carry NHSA's batch number; a local CSV row has none. */
const nationalCount = (library: ReviewedLibrary): number =>
  library.knowledgePoints.filter((kp) => kp.batch !== undefined).length;

const LISTED = 5;

/**
 * What a person publishing `next` after `parent` should look at before it goes out: fewer national points (a
 * forgotten --revision, a batch left out) and points that are gone (a CSV row that went missing). Warnings only: a
 * re-issue rightly drops a point now and then, and the reviewer knows whether this one should be gone.
 */
export function reviewAgainstParent(parent: ReviewedLibrary, next: ReviewedLibrary): string[] {
  const warnings: string[] = [];
  const before = nationalCount(parent);
  const after = nationalCount(next);
  if (after < before) {
    warnings.push(
      `${next.version} has ${after} national knowledge points, ${before - after} fewer than ${parent.version} ` +
        `(${before}): was --revision or a national batch left out?`,
    );
  }
  const kept = new Set(next.knowledgePoints.map((kp) => kp.id));
  const removed = parent.knowledgePoints.filter((kp) => !kept.has(kp.id));
  if (removed.length > 0) {
    const listed = removed.slice(0, LISTED).map((kp) => `${kp.itemName} (${kp.id})`);
    if (removed.length > LISTED) listed.push(`and ${removed.length - LISTED} more`);
    warnings.push(
      `${removed.length} knowledge point(s) of ${parent.version} are not in ${next.version} ` +
        `(${parent.knowledgePoints.length} points before, ${next.knowledgePoints.length} now): ${listed.join(', ')}`,
    );
  }
  return warnings;
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

/**
 * A library that would leave a workstation with less than half of the knowledge points it had is almost always a
 * mistake (a bundle built from local.csv alone: 3,495 national points become 1, and every national reminder goes),
 * and nothing downstream notices: the bundle verifies, the push succeeds, the workstation answers nothing. A real
 * re-issue drops a few points, never half, so half is where `bundle build` and `push` stop without --allow-shrink.
 */
export const MIN_KEPT_SHARE = 0.5;

export interface PointCount {
  /** Whose points, for the message: a version name, "the bundled national library" … */
  name: string;
  points: number;
}

/** Why `next` may not replace `before` without --allow-shrink, or undefined when it keeps enough points. */
export function shrinkProblem(before: PointCount, next: PointCount, what: string): string | undefined {
  if (before.points === 0 || next.points >= before.points * MIN_KEPT_SHARE) return undefined;
  return (
    `${next.name} has ${next.points} ${what}, ${before.name} has ${before.points}: ${before.points - next.points} ` +
    `would be gone (more than ${Math.round((1 - MIN_KEPT_SHARE) * 100)}%); if that is meant, add --allow-shrink`
  );
}

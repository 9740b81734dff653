import { type CompiledLibrary, compileLibrary, type LibraryData } from '@prealert/core';

/** How many knowledge points one slice compiles: a few milliseconds of work on a slow workstation. */
const POINTS_PER_SLICE = 1_000;

type CodeIndex = Map<string, unknown>;

interface CompiledInternals {
  byCode: CodeIndex;
  knowledgePointCount: number;
  codeCount: number;
}

function internalsOf(library: CompiledLibrary): CompiledInternals | undefined {
  const candidate = library as unknown as Partial<CompiledInternals>;
  return candidate.byCode instanceof Map &&
    typeof candidate.knowledgePointCount === 'number' &&
    typeof candidate.codeCount === 'number'
    ? (candidate as CompiledInternals)
    : undefined;
}

function append(target: CodeIndex, code: string, entries: unknown): void {
  const existing = target.get(code);
  if (existing === undefined) {
    target.set(code, entries);
    return;
  }
  const list = Array.isArray(existing) ? existing : [existing];
  if (Array.isArray(entries)) list.push(...entries);
  else list.push(entries);
  if (list !== existing) target.set(code, list);
}

/**
 * compileLibrary, without holding the event loop: core compiles a library in one synchronous loop (about a second
 * for 200,000 points), which would stall every request for that long. Here each slice of points is compiled by
 * core itself and its code index appended to the result's, in point order, so the result is what compileLibrary
 * gives (sync-compile.test.ts compares them code by code).
 *
 * Why it reaches into the compiled object: core has no incremental builder yet (asked of the lead). If the shape
 * it relies on changes, it falls back to the blocking compile rather than build something wrong.
 */
export async function compileInSlices(
  data: LibraryData,
  pause: () => Promise<void> | undefined,
): Promise<{ library: CompiledLibrary; sliced: boolean }> {
  const points = data.knowledgePoints;
  if (points.length <= POINTS_PER_SLICE) return { library: compileLibrary(data), sliced: false };
  const library = compileLibrary({ ...data, knowledgePoints: [] });
  const target = internalsOf(library);
  if (!target) return { library: compileLibrary(data), sliced: false };
  for (let start = 0; start < points.length; start += POINTS_PER_SLICE) {
    const part = internalsOf(
      compileLibrary({ ...data, knowledgePoints: points.slice(start, start + POINTS_PER_SLICE) }),
    );
    if (!part) return { library: compileLibrary(data), sliced: false };
    for (const [code, entries] of part.byCode) append(target.byCode, code, entries);
    await pause();
  }
  target.knowledgePointCount = points.length;
  target.codeCount = target.byCode.size;
  return { library, sliced: true };
}

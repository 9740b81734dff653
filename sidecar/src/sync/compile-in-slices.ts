import { type CompiledLibrary, CompiledLibraryBuilder, compileLibrary, type LibraryData } from '@prealert/core';

/** Knowledge points compiled between two pauses: well under a millisecond on a slow workstation. */
const POINTS_PER_SLICE = 250;

/**
 * compileLibrary, without holding the event loop: a 200,000-point compile in one loop would stall every request for
 * a few hundred milliseconds, so points are added to core's builder one slice at a time, pausing between slices.
 * The result is what compileLibrary gives (sync-compile.test.ts compares them code by code).
 */
export async function compileInSlices(
  data: LibraryData,
  pause: () => Promise<void> | undefined,
): Promise<{ library: CompiledLibrary; sliced: boolean }> {
  const points = data.knowledgePoints;
  if (points.length <= POINTS_PER_SLICE) return { library: compileLibrary(data), sliced: false };
  const builder = new CompiledLibraryBuilder(data.meta, data.rules);
  for (let start = 0; start < points.length; start += POINTS_PER_SLICE) {
    builder.add(points.slice(start, start + POINTS_PER_SLICE));
    await pause();
  }
  return { library: builder.finish(), sliced: true };
}

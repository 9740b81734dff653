import type { LibraryHolder } from '../library-holder';
import type { DispositionStore } from './dispositions';

/**
 * How long the decisions of a library just replaced stay held on the request thread: an answer evaluated on it
 * before the swap may still be waiting for a provincial gateway (upstream.timeoutMs) before it looks its results'
 * decisions up, and must find them.
 */
export const REPLACED_LIBRARY_DECISIONS_MS = 60_000;

/**
 * Keeps the request thread's in-memory decisions (DispositionStore.holdVersions) to the active library's version
 * from each swap on: at once that version's and the replaced one's, after `graceMs` the active one's alone. A swap
 * back to an older version (rollback) reads its decisions from the database again. Returns a stop for shutdown.
 */
export function holdDecisionsOfActiveLibrary(
  holder: LibraryHolder,
  dispositions: Pick<DispositionStore, 'holdVersions'>,
  graceMs = REPLACED_LIBRARY_DECISIONS_MS,
): () => void {
  let held: string | undefined;
  let narrowing: NodeJS.Timeout | undefined;
  const unsubscribe = holder.onSwap((active) => {
    const version = active.info.version;
    dispositions.holdVersions(held === undefined || held === version ? [version] : [held, version]);
    held = version;
    clearTimeout(narrowing);
    narrowing = setTimeout(() => {
      const now = holder.get()?.info.version;
      if (now !== undefined) dispositions.holdVersions([now]);
    }, graceMs);
    narrowing.unref();
  });
  return () => {
    clearTimeout(narrowing);
    unsubscribe();
  };
}

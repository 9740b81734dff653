import type { Logger } from '../logging';
import { message } from './error-message';
import type { LastGoodStore, Staging, StoredVersion } from './last-good-store';

// Recording an activated library as last-good: the step after the swap, whose failure leaves the library running
// but changes what a restart runs. LibrarySync keeps the state; the callbacks set it at the same points as before.

/** The running version when it is active but could not be saved as last-good (see LibrarySync.unsaved). */
export interface UnsavedActivation {
  version: StoredVersion;
  message: string;
  at: number;
}

export interface ActivationSave {
  store: LastGoodStore;
  logger: Logger;
  staging: Staging;
  entry: StoredVersion;
  ranBefore: StoredVersion | undefined;
  holdBack: StoredVersion | undefined;
  now: () => number;
  /** Saved: nothing is unsaved or unusable any more. */
  onSaved: () => void;
  /** The save failed but the store names the version already (for last_error). */
  onStoredAnyway: (error: Error) => void;
  /** Active, but a restart runs the store's current version. */
  onUnsaved: (unsaved: UnsavedActivation) => void;
}

/** Commits the staged library as last-good; a failure is logged and reported through the callbacks, never thrown. */
export async function saveActivation({
  store,
  logger,
  staging,
  entry,
  ranBefore,
  holdBack,
  now,
  onSaved,
  onStoredAnyway,
  onUnsaved,
}: ActivationSave): Promise<void> {
  try {
    const { notRemoved } = await store.commit(staging, entry, ranBefore, holdBack);
    for (const { dir, error } of notRemoved) {
      logger.warn({ err: error, dir }, 'a replaced library version could not be removed; the next start removes it');
    }
    onSaved();
  } catch (error) {
    logger.error({ err: error, version: entry.version }, 'library is active but could not be saved as last-good');
    if (store.current?.sha256 === entry.sha256) {
      onStoredAnyway(new Error(`${entry.version} is active but could not be saved as last-good: ${message(error)}`));
    } else {
      // Active now, but a restart comes back to the store's current version: said in status until a later
      // activation or a rollback is saved (a poll's success does not hide it).
      const restartRuns = store.current?.version ?? 'the bundled library';
      onUnsaved({
        version: entry,
        message: `${entry.version} is active but could not be saved as last-good (a restart runs ${restartRuns}): ${message(error)}`,
        at: now(),
      });
      await staging
        .discard()
        .catch((cleanup: unknown) => logger.warn({ err: cleanup }, 'could not remove a staged library'));
    }
  }
}

import type { SidecarConfig } from '../config';
import type { LibraryHolder } from '../library-holder';
import type { Logger } from '../logging';
import { libraryImageKey } from './library-image-key';
import { LibrarySync } from './library-sync';
import { loadSyncConfig } from './sync-config';

/** The sidecar's LibrarySync, configured from PREALERT_SYNC_* and the config file's sync block (sync-config.ts) and the sidecar's own config. */
export function createLibrarySync(options: {
  config: SidecarConfig;
  holder: LibraryHolder;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** The install secret (patient-pseudonym.ts): library images are bound to it. */
  installSecret?: Uint8Array;
}): LibrarySync {
  return new LibrarySync({
    config: loadSyncConfig(options.env ?? process.env, options.config.sync),
    dataDir: options.config.dataDir,
    holder: options.holder,
    logger: options.logger,
    adminEnabled: Boolean(options.config.adminToken),
    ...(options.installSecret ? { imageKey: libraryImageKey(options.installSecret) } : {}),
  });
}

import type { LibraryHolder } from '../library-holder';
import type { Logger } from '../logging';
import type { LastGoodStore, StoredVersion } from './last-good-store';
import type { ActivationReport } from './sync-types';
import { versionLabel } from './version-label';

/**
 * Rollbacks `prealert rollback` made while the sidecar was stopped: logged as an online rollback is (at warn, same
 * message and fields, with `offline` and `at` the command's time), the latest kept as last_activation in status,
 * so IT reading the log later can tell why the older library runs. Then state.json stops naming them.
 */
export function reportOfflineRollbacks(
  store: LastGoodStore,
  holder: LibraryHolder,
  active: StoredVersion | undefined,
  logger: Logger,
): ActivationReport | undefined {
  const rollbacks = store.offlineRollbacks;
  if (rollbacks.length === 0) return undefined;
  const running = holder.get();
  let latest: ActivationReport | undefined;
  for (const r of rollbacks) {
    const runs = running !== undefined && active?.sha256 === r.to.sha256 && active.version === r.to.version;
    const report: ActivationReport = {
      version_before: r.from.version,
      version: r.to.version,
      sha256: r.to.sha256 ?? '',
      source: 'rollback',
      path: r.to.sha256 === null ? 'bundled' : 'stored',
      bytes_received: 0,
      knowledge_points: runs ? running.compiled.knowledgePointCount : 0,
      duration_ms: 0,
      yields: 0,
      at: r.at,
      offline: true,
    };
    latest = report;
    logger.warn(
      { ...report, from: versionLabel(r.from.version, r.from.sha256), to: versionLabel(r.to.version, r.to.sha256) },
      'library rolled back',
    );
  }
  try {
    store.forgetOfflineRollbacks();
  } catch (error) {
    logger.warn({ err: error }, 'could not note that the offline rollback was logged; the next start logs it again');
  }
  return latest;
}

import type { AutostartState } from './autostart-entry';
import type { SidecarProbe } from './running-sidecar';

/**
 * `autostart status` exit codes, for IT's scripts asking "will this doctor get reminders?": 0 installed for this
 * build and running it on the entry's data dir; 1 the entry itself is missing, unreadable or starts another build
 * (run `autostart install`); EXIT_NOT_RUNNING the entry is right but its sidecar is not what answers (restart it).
 * 2 is left alone: prealert exits 1 on a refused option, and shells use 2 for their own usage errors.
 */
export const EXIT_NOT_RUNNING = 3;

export function statusExitCode(entry: AutostartState['state'], probe: SidecarProbe['state']): number {
  if (entry !== 'current') return 1;
  return probe === 'running' ? 0 : EXIT_NOT_RUNNING;
}

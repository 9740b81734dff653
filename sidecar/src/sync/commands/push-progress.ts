import cliProgress from 'cli-progress';
import { colourWanted } from '../../commands/terminal-colour';

/** How a host's push ended: `current` sent nothing (the host already ran the library), so its token went unchecked. */
export type HostOutcome = 'ok' | 'current' | 'failed';

/** How far a push is, on stderr, as each host finishes. */
export interface PushProgress {
  hostDone(host: string, outcome: HostOutcome): void;
  stop(): void;
}

/**
 * A bar redrawn in place on a terminal. Redirected (a roll-out's log kept for the audit) or with NO_COLOR, a redraw
 * is escape codes and bar characters in the text, so there each host gets one plain line instead.
 */
export function pushProgress(version: string, total: number): PushProgress {
  let done = 0;
  let failed = 0;
  if (colourWanted(process.stderr)) {
    const bar = new cliProgress.SingleBar(
      { format: `push ${version} {bar} {value}/{total} hosts | failed {failed} | {host}`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { host: '', failed });
    return {
      hostDone(host, outcome) {
        if (outcome === 'failed') failed++;
        bar.increment(1, { host, failed });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    hostDone(host, outcome) {
      done++;
      if (outcome === 'failed') failed++;
      const said = outcome === 'current' ? 'already current' : outcome;
      process.stderr.write(`push ${version} to ${host}: ${said}, ${done}/${total} hosts, failed ${failed}\n`);
    },
    stop() {},
  };
}

import type { ChildProcess } from 'node:child_process';

export interface StartSidecarOptions {
  cli: string;
  port: string;
  dataDir: string;
  corsOrigins: string[];
  env?: NodeJS.ProcessEnv;
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface RunningSidecar {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** How startSidecar rejects when the sidecar exits before it listens. */
export interface SidecarStartError extends Error {
  /** Its last stderr lines (its own one-line reason: data dir, port, setting), already passed to onLog. */
  sidecarStderr: string[];
}

export function startSidecar(options: StartSidecarOptions): Promise<RunningSidecar>;

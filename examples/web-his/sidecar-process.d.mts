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

export function startSidecar(options: StartSidecarOptions): Promise<RunningSidecar>;

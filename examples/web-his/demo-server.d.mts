import type { Server } from 'node:http';

export interface DemoServer {
  server: Server;
  url: string;
  setSidecarUrl(url: string): void;
  close(): Promise<void>;
}

export function widgetDistDir(): string;
export function chartJsFile(): string;
export function startDemoServer(options: { sidecarUrl?: string; host?: string; port?: number }): Promise<DemoServer>;

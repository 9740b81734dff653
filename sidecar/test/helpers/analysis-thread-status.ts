import type { AnalysisThreadStatus } from '../../src/analysis/analysis-thread';
import type { SidecarServer } from '../../src/server';

/** The analysis thread's part of /v1/status (null when calls are answered on the request thread only). */
export async function analysisStatus(server: SidecarServer): Promise<AnalysisThreadStatus | null> {
  const response = await server.app.inject({ method: 'GET', url: '/v1/status' });
  return (response.json() as { analysis: AnalysisThreadStatus | null }).analysis;
}

/** Waits until the analysis thread holds the active library (it builds its copy after the request thread). */
export async function onWorker(server: SidecarServer): Promise<AnalysisThreadStatus> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await analysisStatus(server);
    if (status?.evaluating_on === 'worker') return status;
    if (Date.now() > deadline) throw new Error(`still not evaluating on the worker: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import { expect } from 'vitest';

/** A 3103 decision as the sidecar recorded it. */
export interface RecordedDisposition {
  dspo_way: string;
  dspo_way_rea: string;
}

/** The dispositions the sidecar at `sidecarUrl` recorded for a task, by jr_id (GET /v1/tasks/:id). */
export async function taskDispositions(
  sidecarUrl: string,
  taskId: string,
): Promise<Record<string, RecordedDisposition>> {
  const response = await fetch(`${sidecarUrl}/v1/tasks/${encodeURIComponent(taskId)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { dispositions: Record<string, RecordedDisposition> }).dispositions;
}

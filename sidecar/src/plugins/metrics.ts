import type { FastifyInstance } from 'fastify';
import type { SidecarMetrics } from '../sidecar-metrics';

export async function metricsRoute(app: FastifyInstance, options: { metrics: SidecarMetrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.header('content-type', options.metrics.registry.contentType).send(text);
  });
}

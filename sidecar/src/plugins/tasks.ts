import type { FastifyInstance } from 'fastify';
import type { AnalysisRecorder } from '../store/records';
import type { TaskStore } from '../store/tasks';

/** GET /v1/tasks/:task_id — one answer and the decisions since, for the reminder page. */
export async function tasks(
  app: FastifyInstance,
  options: { tasks: TaskStore; recorder: AnalysisRecorder },
): Promise<void> {
  app.get<{ Params: { task_id: string } }>('/v1/tasks/:task_id', async (request, reply) => {
    // Earlier versions recorded every 3101 without task_id under "": that is nobody's task, whatever is stored there.
    if (request.params.task_id.trim() === '') {
      return reply.code(404).send({ error: 'task_id is required (a 3101 without one is recorded under its msgid)' });
    }
    await options.recorder.flush();
    const task = options.tasks.find(request.params.task_id);
    if (!task) {
      return reply.code(404).send({
        error: `no answer recorded for task_id "${request.params.task_id}" (one its client never got is kept, not shown)`,
      });
    }
    return task;
  });
}

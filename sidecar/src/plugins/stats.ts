import type { FastifyInstance, FastifyReply } from 'fastify';
import type { StatsReport } from '../stats/compliance-figures';
import { csvFileName } from '../stats/csv-file-name';
import { figuresCsv } from '../stats/figures-csv';
import type { FiguresReader } from '../stats/figures-reader';
import { parseStatsQuery, type StatsQuery, StatsQueryError } from '../stats/stats-query';
import type { AnalysisRecorder } from '../store/records';

/**
 * GET /v1/stats and /v1/stats.csv: the pilot notice's compliance figures by day, rule, dept or doctor, optionally
 * narrowed to one rule, dept and/or doctor (`?by=day&doctor=D001`: one doctor's figures over time). Computed on the
 * figures thread (figures-reader.ts): a report over a year of records must not hold the 3101s arriving meanwhile.
 */
export async function stats(
  app: FastifyInstance,
  options: { figures: FiguresReader; recorder: AnalysisRecorder },
): Promise<void> {
  const report = async (query: StatsQuery): Promise<StatsReport> => {
    const { from, to, by, filter } = parseStatsQuery(query);
    // Every answer given before this call is in the figures: written (and committed) before the figures thread
    // starts its read, which then sees it.
    await options.recorder.flush();
    return options.figures.query({ kind: 'report', from, to, by, filter });
  };
  const badQuery = (error: unknown, reply: FastifyReply) => {
    if (error instanceof StatsQueryError) return reply.code(400).send({ error: error.message });
    throw error;
  };
  app.get<{ Querystring: StatsQuery }>('/v1/stats', async (request, reply) => {
    try {
      return await report(request.query);
    } catch (error) {
      return badQuery(error, reply);
    }
  });
  app.get<{ Querystring: StatsQuery }>('/v1/stats.csv', async (request, reply) => {
    try {
      const r = await report(request.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csvFileName(r)}"`)
        .send(figuresCsv(r));
    } catch (error) {
      return badQuery(error, reply);
    }
  });
}

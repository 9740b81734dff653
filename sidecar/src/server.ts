import http from 'node:http';
import path from 'node:path';
import { compileValidators, type LibraryData } from '@prealert/core';
import { loadNationalLibrary, nationalLibrarySha256 } from '@prealert/rules-cache';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { sharedSerials } from './analysis/analysis-protocol';
import { AnalysisThread } from './analysis/analysis-thread';
import type { SidecarConfig } from './config';
import { exposedConfigSecrets, listed } from './config-file-access';
import { checkDataDirWritable } from './data-dir-access';
import { lockDataDir } from './data-dir-lock';
import { LibraryHolder } from './library-holder';
import { checkLogFileWritable } from './log-file-access';
import { flushLog, type Logger, openLoggers } from './logging';
import { shareWithWorkstationUsers } from './machine-scope-sharing';
import { directLane } from './national/direct-lane';
import { createNationalAnswerer, failedAnswer } from './national/national-answerer';
import { NationalService } from './national/national-service';
import { queueDailyFigures } from './outbox/daily-figures';
import { OutboxForwarder } from './outbox/outbox-forwarder';
import { platformDestination } from './outbox/platform-forwarder';
import { loadInstallSecret, PatientPseudonymizer } from './patient-pseudonym';
import { requireAdmin } from './plugins/admin-auth';
import { cors } from './plugins/cors';
import { CorsRefusals } from './plugins/cors-refusals';
import { health } from './plugins/health';
import { hostGuard } from './plugins/host-guard';
import { metricsRoute } from './plugins/metrics';
import { nationalGateway } from './plugins/national-gateway';
import { MAX_PATH_PARAM_LENGTH, pathRefusals } from './plugins/path-refusals';
import { refusesRemoteNational, remoteNationalGuard } from './plugins/remote-national-guard';
import { remoteRecordsGuard } from './plugins/remote-records-guard';
import { nextRequestId, requestLog, requestReporter } from './plugins/request-log';
import { stats } from './plugins/stats';
import { status } from './plugins/status';
import { tasks } from './plugins/tasks';
import { removePortFile, writePortFile } from './port-file';
import { watchRuleOverrides } from './rule-override-watch';
import { SidecarMetrics } from './sidecar-metrics';
import { SOFTWARE_BUILD } from './software-version';
import { pruneRejectedSpool, SPOOL_DIR_NAME, spoolReplay } from './spool/spool-replay';
import { openFiguresReader } from './stats/figures-reader';
import { registerStatusMetrics } from './status-metrics';
import { DATABASE_FILE_NAME, type Db, holdsRecords, openDatabase } from './store/database';
import { DispositionStore } from './store/dispositions';
import { holdDecisionsOfActiveLibrary } from './store/held-decisions';
import { OutboxStore } from './store/outbox';
import { ReasonNames } from './store/reason-names';
import { openRecordSink } from './store/record-sink';
import { AnalysisRecorder } from './store/records';
import { RecordsWriteWatch } from './store/records-write-failure';
import { RecordsRetention } from './store/retention';
import { logPrunedBackups } from './store/schema-backups';
import { TaskStore } from './store/tasks';
import { startWalCheckpointer } from './store/wal-checkpointer';
import { createLibrarySync } from './sync/create-library-sync';
import { checkKeyFileSafety } from './sync/key-file-safety';
import { syncPlugin } from './sync/sync-plugin';
import { reminderUi } from './ui/reminder-ui';
import { ProvincialGateway } from './upstream/provincial-gateway';
import { loadInstanceId } from './workstation-instance';

const DAILY_FIGURES_EVERY_MS = 3600_000;
const FIGURES_RETRY_AFTER_BUSY_MS = 5_000;
const isBusy = (error: unknown) =>
  typeof error === 'object' && error !== null && String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');

export interface CreateServerOptions {
  config: SidecarConfig;
  /** Defaults to a pino logger built from config.log. */
  logger?: Logger;
  /** The library to start with (default: the national library shipped with prealert). */
  library?: LibraryData | (() => LibraryData);
  /** Where that library came from, for /v1/status (default "bundled"). */
  librarySource?: string;
  /** Plugins registered under /v1/admin, behind the admin token. */
  adminPlugins?: FastifyPluginAsync[];
  /** How long a replaced library's decisions stay in memory (default REPLACED_LIBRARY_DECISIONS_MS; tests shorten it). */
  replacedLibraryDecisionsMs?: number;
}

export interface SidecarServer {
  app: FastifyInstance;
  config: SidecarConfig;
  holder: LibraryHolder;
  db: Db;
  logger: Logger;
  /** The thread 3101/3102 are evaluated on; undefined when the request thread does it all. */
  analysis: AnalysisThread | undefined;
  /** The doctors' decisions (the continued ones held in memory: heldContinued). */
  dispositions: Pick<DispositionStore, 'heldContinued'>;
  /** Prunes the records to config.records.retentionDays, daily once listening; prune() runs a pass now. */
  retention: Pick<RecordsRetention, 'prune'>;
  /** Listens on config.host:config.port (0 = any free port) and writes `<data dir>/port`. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting, finishes in-flight requests, writes queued records, closes the database. */
  close(): Promise<void>;
}

/** Builds the sidecar: records database, active library, national routes and the service endpoints. */
export async function createServer(options: CreateServerOptions): Promise<SidecarServer> {
  const { config } = options;
  // Before anything is created: with sync.requireSafeKey on, a key others could replace stops the start here.
  const keySafety = checkKeyFileSafety(config);
  // Checked first: the log is where everything after this reports, and nothing is created before it is known.
  if (!options.logger && config.log.file !== undefined) checkLogFileWritable(config.log.file);
  checkDataDirWritable(config.dataDir);
  // Before anything is written there, the log included: a second sidecar on this directory refuses in one line.
  const lock = lockDataDir(config.dataDir);
  let logging: Awaited<ReturnType<typeof openLoggers>>;
  try {
    logging = options.logger
      ? { logger: options.logger, requestLogger: options.logger }
      : await openLoggers(config.log);
  } catch (error) {
    lock.release();
    throw error;
  }
  const { logger, requestLogger } = logging;
  if (config.dataDirNotice !== undefined) logger.warn({ data_dir: config.dataDir }, config.dataDirNotice);
  const exposed = config.configFile === undefined ? [] : exposedConfigSecrets(config.configFile);
  if (exposed.length > 0)
    logger.warn(
      { config_file: config.configFile, secrets: exposed },
      `config file ${config.configFile} holds ${listed(exposed)}, and others may read it: chmod 600 it (owner only)`,
    );
  for (const { warning, ...unsafe } of keySafety ?? []) logger.warn({ sync_key_unsafe: unsafe }, warning);
  if (config.dataScope === 'machine') {
    for (const problem of shareWithWorkstationUsers(config.dataDir))
      logger.warn({ data_dir: config.dataDir }, `${problem}; run prealert as the account that owns ${config.dataDir}`);
  }
  const startedAt = Date.now();
  // Schema validators compiled before the first request arrives, not during it.
  compileValidators();

  let db: Db;
  try {
    db = openDatabase(config.dataDir, {
      migrated: (from, to, backup, pruned) => {
        logger.info(
          { schema_from: from, schema_to: to, backup },
          `records database migrated from schema ${from} to ${to}; the file as it was is kept as ${backup} (for a roll-back to a build before this one)`,
        );
        logPrunedBackups(logger, pruned);
      },
      keptUnreadable: (rows) => {
        for (const { table, id } of rows)
          logger.warn(
            { table, row_id: id },
            `records database: ${table} row ${id} is not readable JSON (cut short, damaged or edited); kept as it was, with ID and phone numbers in its text masked`,
          );
      },
    });
  } catch (error) {
    lock.release();
    throw error;
  }
  // Whatever is started below is stopped again if the sidecar cannot be put together (a bad setting, a plugin that
  // fails): an application that catches the error is left with no threads running and the database closed.
  const undo: (() => unknown)[] = [() => lock.release(), () => db.close()];
  try {
    // Both threads start together: each takes tens of milliseconds to come up.
    const [checkpointer, recordSink] = await Promise.all([
      startWalCheckpointer(db, logger),
      openRecordSink(db, logger),
    ]);
    undo.push(
      () => checkpointer.close(),
      () => recordSink.close(),
    );
    const installSecret = loadInstallSecret(config.dataDir, holdsRecords(db) ? DATABASE_FILE_NAME : undefined);
    const pseudonyms = new PatientPseudonymizer(installSecret);
    const figuresSender = { installId: pseudonyms.installId, instanceId: loadInstanceId(config.dataDir) };
    const upstream = config.upstream.url
      ? new ProvincialGateway({ ...config.upstream, url: config.upstream.url }, logger)
      : undefined;
    const destinations = [
      ...(config.platform.url ? [platformDestination({ ...config.platform, url: config.platform.url })] : []),
      ...(upstream ? [upstream.feedbackDestination()] : []),
    ];
    const outbox = new OutboxStore(
      db,
      destinations.flatMap((destination) => destination.kinds),
    );
    const undeliverable = outbox.dropUndeliverable();
    if (undeliverable > 0)
      logger.warn(
        { outbox_dropped: undeliverable },
        `${undeliverable} outbox entries for no configured destination (数据归集 platform or provincial gateway) dropped`,
      );
    const dispositions = new DispositionStore(
      db,
      outbox,
      pseudonyms.installId,
      (patientId) => pseudonyms.key(patientId),
      (code) => pseudonyms.codeKey(code),
    );
    const recordsWrite = new RecordsWriteWatch(logger, config.dataDir);
    const recorder = new AnalysisRecorder(db, pseudonyms, recordSink, {
      onError: (error, pending) =>
        pending < 0
          ? logger.error({ err: error }, 'a 3101/3102 record could not be written and was dropped')
          : recordsWrite.failed(error, pending),
      onWritten: () => recordsWrite.written(),
      returnedToModify: (jrId) => dispositions.returnedToModify(jrId),
    });
    // Days pruned by retention keep their figures (pruned-figures.ts). Computed on a thread of their own, started
    // at the first report: a year's figures take seconds of SQLite.
    const figures = openFiguresReader(db, logger);
    undo.push(() => figures.close());
    const retention = new RecordsRetention(db, {
      retentionDays: config.records.retentionDays,
      installId: pseudonyms.installId,
      recorder,
      dispositions,
      logger,
      pruneFiles: (beforeMs) => pruneRejectedSpool(path.join(config.dataDir, SPOOL_DIR_NAME), beforeMs),
      afterPrune: (stop) => checkpointer.truncate(stop),
    });
    undo.push(() => retention.close());
    // Read at each scrape and status request; `forwarders` is built below, once the upstream gateway is known.
    const outboxDestinations = () => forwarders.map((forwarder) => forwarder.state());
    const metrics = new SidecarMetrics({
      recordsPending: () => recorder.pending,
      recordsWriteFailing: () => recordsWrite.failure !== null,
      outboxPending: () => outbox.pending(),
      outboxOldestPendingAgeSeconds: () => outbox.oldestPendingAgeSeconds(),
      outboxUnreadable: () => outbox.unreadable(),
      outboxDestinations,
    });

    const holder = new LibraryHolder();
    holder.onSwap((active) => metrics.libraryActivated(active.info));
    const ruleOverrides = watchRuleOverrides(holder, config.evaluator, logger);
    undo.push(ruleOverrides.stop);
    const stopHoldingDecisions = holdDecisionsOfActiveLibrary(holder, dispositions, options.replacedLibraryDecisionsMs);
    undo.push(stopHoldingDecisions);
    const serials = new SharedArrayBuffer(4);
    // Started now, so its start-up overlaps the library's load below; it follows the library from here on.
    const analysisStarting = config.analysisThread
      ? AnalysisThread.start({
          holder,
          dispositions,
          recorder,
          metrics,
          logger,
          admdvs: config.admdvs,
          installSecret,
          evaluator: config.evaluator,
          outputMaxChars: config.outputMaxChars,
          shimToken: config.shimToken,
          allowedOrigins: config.corsOrigins,
          serials,
          lostAnswer: (route, arrival) =>
            failedAnswer(service, 'prealert 内部错误: 分析线程中断，请重试', route, arrival.receivedAt, true),
        })
      : undefined;
    undo.push(() => analysisStarting?.then((thread) => thread?.close()));
    // Library sync and push (PREALERT_SYNC_*): restores the last-good library when registered, below. With one on
    // disk, compiling the bundled library first would only be thrown away.
    const sync = createLibrarySync({ config, holder, logger, installSecret });
    if (options.library !== undefined || !sync.hasStoredLibrary()) {
      const source = options.library ?? loadNationalLibrary;
      const failure = holder.load(
        typeof source === 'function' ? source : () => source,
        options.librarySource ?? 'bundled',
        options.library === undefined ? nationalLibrarySha256() : null,
      );
      if (failure !== undefined) logger.error({ err: failure }, 'library could not be loaded');
    }

    const forwarders = destinations.map((destination) => new OutboxForwarder(outbox, destination, logger));
    const service = new NationalService({
      holder,
      recorder,
      priorContinued: (jrId) => dispositions.priorContinued(jrId),
      coveredBy: (result, libraryVersion) => dispositions.coveredBy(result, libraryVersion),
      earlierVisit: (result, now) => dispositions.earlierVisit(result, now),
      metrics,
      logger,
      admdvs: config.admdvs,
      evaluator: config.evaluator,
      outputMaxChars: config.outputMaxChars,
      upstream,
      staleness: () => sync.staleness(),
      nextSerial: sharedSerials(serials),
      feedback: {
        recorder,
        dispositions,
        reasonNames: new ReasonNames(db, (name) => pseudonyms.nameKey(name)),
        onDispositions: () => {
          for (const forwarder of forwarders) forwarder.kick();
        },
      },
    });

    const ownAnswerer = createNationalAnswerer({
      service,
      logger,
      shimToken: config.shimToken,
      allowedOrigins: config.corsOrigins,
    });
    const analysis = await analysisStarting;
    // The upstream gateway's answer is merged on this thread, and a stale library refused here.
    const answerer = analysis
      ? analysis.answerer(ownAnswerer, () => upstream === undefined && sync.staleness().serving)
      : ownAnswerer;
    const corsRefusals = new CorsRefusals(config.corsOrigins, logger);
    registerStatusMetrics(metrics.registry, {
      sync: () => sync.status(),
      recordsDropped: () => recorder.dropped,
      analysis: () => analysis?.status() ?? null,
      storage: () => ({ records: recorder.writerThread, checkpoints: checkpointer.where, figures: figures.where }),
      upstream: upstream?.health,
      corsRefusals: () => corsRefusals.refusedByReason(),
    });
    const report = requestReporter(requestLogger, metrics);
    let appClosing = false;
    const lane = directLane({
      answerer,
      service,
      bodyLimitBytes: config.bodyLimitBytes,
      report,
      nextRequestId,
      closing: () => appClosing,
      undelivered: (record) => recorder.undelivered(record),
      localOnly: refusesRemoteNational({ listenHost: config.host, allowRemote: config.allowRemoteNational }),
    });
    const app = Fastify({
      logger: false,
      // fastify stops a start whose plugin takes over 10 s. The sync plugin reads the last-good library: from its
      // image in well under a second, but from its library file (no image: a rollback, a full disk) in slices that
      // rest half the time on Windows, and a large provincial library on a slow workstation took longer, so the
      // sidecar exited at start and the doctor got no reminders. A slow start still ends (the HIS fails open until it
      // listens).
      pluginTimeout: 10 * 60_000,
      bodyLimit: config.bodyLimitBytes,
      requestTimeout: config.requestTimeoutMs,
      return503OnClosing: true,
      genReqId: nextRequestId,
      routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
      frameworkErrors: pathRefusals(service),
      // fastify's own server, with the direct lane for national calls in front of its handler.
      serverFactory: (handler, options) => {
        // What fastify sets on a server it creates itself (lib/server.js), from its resolved options.
        const timeouts = options as {
          keepAliveTimeout?: unknown;
          requestTimeout?: unknown;
          connectionTimeout?: unknown;
        };
        const requestTimeout = typeof timeouts.requestTimeout === 'number' ? timeouts.requestTimeout : 0;
        const server = http.createServer(
          {
            // Given here, not set afterwards: node then also lowers headersTimeout (60 s) to it, and it only ever
            // looks for requests past their time while headersTimeout is not the longer of the two.
            requestTimeout,
            // Node looks for such requests every connectionsCheckingInterval (30 s by default): so often that a
            // stalled one is closed within half its timeout after it, at most 30 s.
            connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeout / 2) || 30_000)),
          },
          (req, res) => {
            if (!lane(req, res)) handler(req, res);
          },
        );
        if (typeof timeouts.keepAliveTimeout === 'number') server.keepAliveTimeout = timeouts.keepAliveTimeout;
        if (typeof timeouts.connectionTimeout === 'number') server.setTimeout(timeouts.connectionTimeout);
        return server;
      },
    });
    undo.push(() => app.close());
    app.addHook('preClose', (done) => {
      appClosing = true;
      done();
    });
    // The not-found answer is nationalGateway's: a POST to a wrong path gets a national envelope there.
    app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const code = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (code >= 500) logger.error({ err: error, route: request.routeOptions.url }, 'request failed');
      return reply.code(code).send({ error: code >= 500 ? 'internal error' : error.message });
    });

    await app.register(requestLog, { report });
    // Before the guards: a listed origin's page can then read their refusal (a 401 for the admin token, a 403), where
    // without CORS headers the browser showed it only as "Failed to fetch", the same as a stopped sidecar. The
    // refusals hold no records, and the guards still refuse every request they refused.
    await app.register(cors, { origins: config.corsOrigins, logger, refusals: corsRefusals });
    await app.register(hostGuard, { listenHost: config.host, adminToken: config.adminToken });
    await app.register(remoteRecordsGuard, { listenHost: config.host, adminToken: config.adminToken });
    await app.register(remoteNationalGuard, {
      listenHost: config.host,
      allowRemote: config.allowRemoteNational,
      service,
    });
    await app.register(nationalGateway, {
      service,
      answerer,
      bodyLimitBytes: config.bodyLimitBytes,
      undelivered: (record) => recorder.undelivered(record),
    });
    await app.register(health, { holder, sync, recordsWrite });
    await app.register(status, {
      holder,
      db,
      recorder,
      recordsWrite,
      outbox,
      outboxDestinations,
      metrics,
      checkpointer,
      figures,
      startedAt,
      sync,
      analysis: () => analysis?.status() ?? null,
      unknownRuleOverrides: ruleOverrides.unknown,
      unsafeKeyPaths: keySafety,
      where: () => ({
        data_dir: config.dataDir,
        config_file: config.configFile ?? null,
        log: options.logger ? "(the embedding application's logger)" : (config.log.file ?? 'stdout'),
        listening: listening ? { host: config.host, port: listening.port, url: listening.url } : null,
      }),
      upstream: upstream ? () => upstream.health.status() : undefined,
      cors: () => corsRefusals.status(),
    });
    await app.register(metricsRoute, { metrics });
    await app.register(stats, { figures, recorder });
    await app.register(tasks, { tasks: new TaskStore(db, pseudonyms, logger), recorder });
    await app.register(syncPlugin, { sync, adminToken: config.adminToken });
    await app.register(reminderUi);
    // Decisions the shim spooled while the sidecar was down were made on the days they belong to: the figures wait
    // for them to be in before a day is queued for the platform.
    let spoolReplayed: () => void = () => undefined;
    const spoolFirstPass = new Promise<void>((resolve) => {
      spoolReplayed = resolve;
    });
    await app.register(spoolReplay, {
      service,
      dispositions,
      dataDir: config.dataDir,
      logger,
      maxBodyBytes: config.bodyLimitBytes,
      onFirstPass: () => spoolReplayed(),
    });
    await app.register(
      async (admin) => {
        admin.addHook('onRequest', requireAdmin(config.adminToken));
        admin.post('/outbox/retry', async () => {
          outbox.retryAllNow(Date.now());
          for (const forwarder of forwarders) forwarder.retryNow();
          return { pending: outbox.pending(), forwarding: forwarders.length > 0 };
        });
        // IT's last resort for an entry set aside as unreadable that cannot be repaired: no shell quoting, no sqlite3
        // tool on a Windows workstation. One id, and only a set-aside one, so a slip cannot drop what is still to go.
        admin.post<{ Querystring: { id: string } }>(
          '/outbox/delete-set-aside',
          {
            schema: {
              querystring: {
                type: 'object',
                required: ['id'],
                properties: { id: { type: 'string', minLength: 1, maxLength: 1000 } },
              },
            },
          },
          async (request, reply) => {
            const { id } = request.query;
            const outcome = outbox.deleteSetAside(id);
            if (!outcome.deleted) {
              return reply.code(outcome.reason === 'not-found' ? 404 : 409).send({
                error:
                  outcome.reason === 'not-found'
                    ? `id: no outbox entry "${id}"`
                    : `id: outbox entry "${id}" is not set aside as unreadable (only such an entry may be deleted here)`,
              });
            }
            logger.warn(
              { outbox_id: id, kind: outcome.kind },
              `outbox entry ${id} (${outcome.kind}) set aside as unreadable deleted by IT: it will never be sent`,
            );
            return { deleted: id, kind: outcome.kind, unreadable: outbox.unreadable() };
          },
        );
        for (const plugin of options.adminPlugins ?? []) await admin.register(plugin);
      },
      { prefix: '/v1/admin' },
    );

    const queueFigures = async () => {
      try {
        await spoolFirstPass;
        await recorder.flush();
        if ((await queueDailyFigures(figures, db, outbox, figuresSender)).length > 0) {
          for (const forwarder of forwarders) forwarder.kick();
        }
      } catch (error) {
        // Stopping: the figures thread closed under the pass; the next start queues what it did not.
        if (closing) return;
        logger.error({ err: error }, 'queueing daily figures failed');
        // A write held past busy_timeout (SQLITE_BUSY: a start's retention pass over a big database) passes soon; the
        // hourly timer alone would leave yesterday's figures unqueued for an hour.
        if (isBusy(error)) setTimeout(() => void queueFigures(), FIGURES_RETRY_AFTER_BUSY_MS).unref();
      }
    };
    const figuresTimer = setInterval(() => void queueFigures(), DAILY_FIGURES_EVERY_MS);
    figuresTimer.unref();

    let listening: { port: number; url: string } | undefined;
    let closing: Promise<void> | undefined;

    return {
      app,
      config,
      holder,
      db,
      logger,
      analysis,
      dispositions,
      retention,
      async listen() {
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
        listening = { port, url };
        lock.listening(port);
        writePortFile(config.dataDir, port, config.shimToken, config.dataScope === 'machine');
        setImmediate(() => void queueFigures());
        for (const forwarder of forwarders) forwarder.start();
        retention.start();
        logger.info(
          { url, data_dir: config.dataDir, library: holder.get()?.info.version ?? null, build: SOFTWARE_BUILD },
          'prealert sidecar listening',
        );
        return { host: config.host, port, url };
      },
      close() {
        closing ??= (async () => {
          clearInterval(figuresTimer);
          stopHoldingDecisions();
          // A pass under way ends its batch before the recorder and the database close under it.
          await retention.close();
          await Promise.all(forwarders.map((forwarder) => forwarder.stop()));
          await app.close();
          await analysis?.close();
          await recorder.close();
          await figures.close();
          await upstream?.close();
          if (listening) removePortFile(config.dataDir, listening.port);
          await checkpointer.close();
          db.close();
          lock.release();
          // Log lines are written in blocks (logging.ts): the last ones go out before the process may exit.
          await flushLog(logger);
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // Already failing: the first error is the one to report.
      }
    }
    throw error;
  }
}

/**
 * The analysis thread (analysis-thread.ts): answers 3101/3102 from the raw request bytes — decode, JSON parse,
 * validation, evaluation, the answer's bytes — on its own copy of the active library, so the request thread only
 * moves bytes and records. It runs the same answerer and service as the request thread; what needs the database
 * (3103, recording) stays there.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileLibrary, compileValidators } from '@prealert/core';
import { unpackLibrary } from '@prealert/rules-cache';
import { LibraryHolder } from '../library-holder';
import { utf8Bytes } from '../national/body-charset';
import { createNationalAnswerer } from '../national/national-answerer';
import { AnsweredElsewhere, NationalService } from '../national/national-service';
import { PatientPseudonymizer } from '../patient-pseudonym';
import { ContinuedLines } from '../store/continued-lines';
import { EarlierVisitReasons } from '../store/earlier-visit-reasons';
import type { AnalysisRecord } from '../store/records';
import {
  ANALYSIS_PROTOCOL,
  type AnalysisWorkerData,
  type FromAnalysisWorker,
  ownedBytes,
  sharedSerials,
  type ToAnalysisWorker,
} from './analysis-protocol';

function main(port: NonNullable<typeof parentPort>): void {
  const data = workerData as AnalysisWorkerData;
  const send = (message: FromAnalysisWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);
  const handBack = (id: number, body: Uint8Array) =>
    send({ type: 'elsewhere', id, body }, [body.buffer as ArrayBuffer]);
  const log =
    (level: 'warn' | 'error') =>
    (fields: unknown, message?: string): void => {
      const asFields = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
      try {
        send({ type: 'log', level, fields: asFields, message: message ?? String(fields) });
      } catch {
        // Something in the fields does not cross threads: the message alone still does.
        send({ type: 'log', level, fields: {}, message: message ?? '' });
      }
    };

  compileValidators();
  const holder = new LibraryHolder();
  let continued = data.continued;
  let continuedLines = new ContinuedLines(data.continuedLines.continued, data.continuedLines.returned);
  const pseudonyms = new PatientPseudonymizer(Buffer.from(data.installSecret));
  const patientKeyOf = (patientId: string) => pseudonyms.key(patientId);
  const earlierVisits = new EarlierVisitReasons(data.earlierVisits);
  // Keyed by the call's own arrival time object (each message makes its own Date, and the record carries that same
  // object as receivedAt): HIS reuse task ids (a constant, a date, ""), so a task id would hand one call's record to
  // another's answer as soon as anything awaited between recording and answering.
  const records = new Map<Date, AnalysisRecord>();
  const service = new NationalService({
    holder,
    recorder: { enqueue: (record) => records.set(record.receivedAt, record) },
    priorContinued: (jrId) => {
      const reason = continued.get(jrId);
      return reason === undefined ? undefined : { reason };
    },
    coveredBy: (result, libraryVersion) =>
      continuedLines.coveringDecision(result, libraryVersion, (jrId) => continued.get(jrId), patientKeyOf),
    earlierVisit: (result, now) => earlierVisits.hint(result, now, patientKeyOf),
    // Counted by the request thread from the record, which lists every result answered.
    metrics: { ruleHit: () => {} },
    // Debug lines are the upstream gateway's, which this thread never asks (server.ts hands those calls back).
    logger: { warn: log('warn'), debug: () => {} },
    admdvs: data.admdvs,
    evaluator: data.evaluator,
    outputMaxChars: data.outputMaxChars,
    nextSerial: sharedSerials(data.serials),
  });
  const answerer = createNationalAnswerer({
    service,
    logger: { error: log('error') },
    ...(data.shimToken ? { shimToken: data.shimToken } : {}),
    allowedOrigins: data.allowedOrigins,
  });

  const answer = (message: Extract<ToAnalysisWorker, { type: 'answer' }>): void => {
    const { id } = message;
    if (!holder.get()) {
      handBack(id, message.body);
      return;
    }
    const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    const arrival = {
      receivedAt: new Date(message.receivedAt),
      startedAt: message.startedAtEpoch - performance.timeOrigin,
    };
    answerer(message.headers, body, message.route, arrival).then(
      (answered) => {
        const record = records.get(arrival.receivedAt);
        records.delete(arrival.receivedAt);
        // Copied, not transferred: every ArrayBuffer transferred in adds to the request thread's external memory,
        // and at 2,000 answers/s V8 answered that with a full collection there every quarter second.
        send({
          type: 'answered',
          id,
          status: answered.status,
          contentType: answered.contentType,
          payload: answerBytes(answered.payload),
          facts: answered.facts,
          ...(record ? { record: { ...record, findings: record.findings.map(recordedFinding) } } : {}),
        });
      },
      (error: unknown) => {
        records.delete(arrival.receivedAt);
        if (!(error instanceof AnsweredElsewhere)) log('error')({ err: error }, 'the analysis thread could not answer');
        handBack(id, message.body);
      },
    );
  };

  port.on('message', (message: ToAnalysisWorker) => {
    switch (message.type) {
      case 'answer':
        answer(message);
        return;
      case 'continued':
        if (message.reason === undefined) {
          continued.delete(message.jrId);
          if (message.returned) continuedLines.returnToModify(message.jrId);
          else continuedLines.forget(message.jrId);
        } else {
          continued.set(message.jrId, message.reason);
          continuedLines.continue(message.jrId, message.lines ?? []);
        }
        // As DispositionStore does: a decision that cannot be offered (no reason, no point) replaces none.
        if (message.earlierVisit) earlierVisits.continue(message.earlierVisit);
        else earlierVisits.drop(message.jrId);
        return;
      case 'library': {
        const { origin, generation, info } = message;
        // In the same turn as the swap: no answer on the new library looks decisions up in between.
        continued = message.continued;
        continuedLines = new ContinuedLines(message.continuedLines.continued, message.continuedLines.returned);
        try {
          const compiled = origin.kind === 'packed' ? unpackLibrary(origin.packed) : compileLibrary(origin.data);
          holder.swap(compiled, { source: info.source, activatedAt: new Date(info.activated_at), sha256: info.sha256 });
          send({ type: 'library', generation, continued: continued.size });
        } catch (error) {
          send({
            type: 'library',
            generation,
            error: (error as Error)?.message ?? String(error),
            continued: continued.size,
          });
        }
        return;
      }
    }
  });
  send({ type: 'ready', protocol: ANALYSIS_PROTOCOL });
}

/**
 * A long UTF-8 answer goes over as its bytes, encoded here: as a two-byte string (Chinese rule names) it was the
 * largest thing the request thread allocated per call, and its young generation then filled a quarter sooner.
 */
function answerBytes(payload: Buffer | string): Uint8Array | string {
  if (typeof payload === 'string' && payload.length < LONG_ANSWER) return payload;
  return ownedBytes(typeof payload === 'string' ? utf8Bytes(payload) : payload);
}

/** Answers shorter than this (errors, no results) go over as text: cheap to clone, and not worth a buffer. */
const LONG_ANSWER = 1024;

function recordedFinding(f: AnalysisRecord['findings'][number]): AnalysisRecord['findings'][number] {
  return {
    jrId: f.jrId,
    deptCode: f.deptCode,
    deptName: f.deptName,
    doctorCode: f.doctorCode,
    doctorName: f.doctorName,
  };
}

if (parentPort) main(parentPort);

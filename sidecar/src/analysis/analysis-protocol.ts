import type { EvaluatorConfig } from '@prealert/core';
import type { LibraryInfo, LibraryOrigin } from '../library-holder';
import type { NationalRoute } from '../national/national-routes';
import type { RequestFacts } from '../request-facts';
import type { ContinuedReminderLines } from '../store/continued-lines';
import type { EarlierVisitDecision } from '../store/earlier-visit-reasons';
import type { AnalysisRecord } from '../store/records';
import type { StartMessage } from '../worker-start';

/** Bumped whenever a message below changes: a worker file from another build is refused at start. */
export const ANALYSIS_PROTOCOL = 7;

export interface AnalysisWorkerData {
  admdvs: string;
  evaluator: Partial<EvaluatorConfig>;
  /** SidecarConfig.outputMaxChars: 3101/3102 answers are fitted to it on this thread too. */
  outputMaxChars: number;
  shimToken?: string;
  allowedOrigins: readonly string[];
  /** One Int32 shared with the request thread: the response serial (inf_refmsgid) both threads count on. */
  serials: SharedArrayBuffer;
  /** The doctor's stored "continue" decisions at start (under the active library's version), jr_id → reason. */
  continued: Map<string, string>;
  /** The lines those decisions flagged, and the jr_ids answered 返回修改 (ContinuedLines.snapshot). */
  continuedLines: { continued: ContinuedReminderLines[]; returned: string[] };
  /**
   * The 继续执行 reasons of the last 180 days by patient, rule and point, whatever the library version, offered to
   * the patient's later visits (EarlierVisitReasons). Not replaced when the library changes.
   */
  earlierVisits: EarlierVisitDecision[];
  /**
   * The install secret (PatientPseudonymizer): the lines are keyed by the patient's pseudonym, as the database holds
   * patients, so this thread keys a result's patn_id the same way to compare them. It stays in the process.
   */
  installSecret: Uint8Array;
}

/** The request headers the answerer reads; nothing else crosses to the analysis thread. */
export const FORWARDED_HEADERS = ['content-type', 'x-out-capacity', 'origin', 'host', 'x-prealert-token'] as const;
export type ForwardedHeaders = Partial<Record<(typeof FORWARDED_HEADERS)[number], string>>;

export type ToAnalysisWorker =
  /**
   * Evaluate on this library from the next request on, answering with the decisions stored under its version
   * (which replace those held: a decision under another version covers nothing); answered with `library` and the
   * same generation.
   */
  | {
      type: 'library';
      generation: number;
      origin: LibraryOrigin;
      info: LibraryInfo;
      continued: Map<string, string>;
      continuedLines: { continued: ContinuedReminderLines[]; returned: string[] };
    }
  /**
   * A decision stored on the request thread: the reminder's reason to continue and the lines it flagged, or
   * undefined when it no longer is (`returned`: answered 返回修改, else pruned).
   */
  | {
      type: 'continued';
      jrId: string;
      reason: string | undefined;
      lines?: readonly string[] | undefined;
      returned?: boolean | undefined;
      /** The decision as the patient's later visits are offered it (EarlierVisitReasons), if it can be. */
      earlierVisit?: EarlierVisitDecision | undefined;
    }
  | {
      type: 'answer';
      id: number;
      headers: ForwardedHeaders;
      body: Uint8Array;
      route: NationalRoute;
      /** Epoch ms of arrival (Date) and high-resolution epoch ms (timeOrigin + now) for the time taken. */
      receivedAt: number;
      startedAtEpoch: number;
    };

export type FromAnalysisWorker =
  | StartMessage
  /** `continued`: how many "continue" decisions the thread now holds. */
  | { type: 'library'; generation: number; error?: string; continued: number }
  | {
      type: 'answered';
      id: number;
      status: number;
      contentType: string;
      /** Bytes, or text for a short UTF-8 answer (encoded as it is written). */
      payload: string | Uint8Array;
      facts: RequestFacts;
      /** Findings cut to what the recorder reads (RecordedFinding). */
      record?: AnalysisRecord;
    }
  /** Not for this thread (3103, or no library here): the request thread answers it, from its body sent back. */
  | { type: 'elsewhere'; id: number; body: Uint8Array }
  | { type: 'log'; level: 'warn' | 'error'; fields: Record<string, unknown>; message: string };

/** Response serials (inf_refmsgid's last 10 digits) counted on one shared Int32, from whichever thread answers. */
export function sharedSerials(buffer: SharedArrayBuffer): () => number {
  const counter = new Int32Array(buffer);
  return () => ((Atomics.add(counter, 0, 1) + 1) >>> 0) % 1e10;
}

/**
 * Bytes in an ArrayBuffer of their own, as they cross between the threads: a view is sent with its whole buffer
 * (cloned or transferred), so a slice of a larger one, or of Buffer's pool, is copied out first.
 */
export function ownedBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 &&
    bytes.buffer.byteLength === bytes.length &&
    !(bytes.buffer instanceof SharedArrayBuffer)
    ? bytes
    : Uint8Array.prototype.slice.call(bytes);
}

/**
 * The figures thread: /v1/stats reports and the platform's daily figures, computed with its own read-only connection
 * to the records database. On a workstation's year of records one report takes 0.2–2 s of SQLite; on the request
 * thread every 3101 arriving meanwhile waited for it. WAL lets this connection read while the writer commits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { zeroDeletedContent } from '../store/database';
import { lowerOwnPriority } from '../thread-priority';
import { FIGURES_PROTOCOL, type FiguresWorkerOptions, type FromFigures, type ToFigures } from './figures-protocol';
import { FiguresQueries } from './figures-queries';

function main(port: NonNullable<typeof parentPort>): void {
  const options = workerData as FiguresWorkerOptions;
  const send = (message: FromFigures) => port.postMessage(message);
  // Figures may wait; the doctor's reminders may not. On a two-core workstation this thread takes the CPU that
  // the request and analysis threads leave over.
  lowerOwnPriority();
  let db: Database.Database;
  let queries: FiguresQueries;
  try {
    db = new Database(options.file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // It deletes nothing; set as on every connection to the records database, so none is left without it.
    zeroDeletedContent(db);
    queries = new FiguresQueries(db);
  } catch (error) {
    send({ type: 'failed', message: (error as Error)?.message ?? String(error) });
    return;
  }
  port.on('message', (message: ToFigures) => {
    if (message.type === 'query') {
      try {
        send({ type: 'answer', seq: message.seq, value: queries.query(message.query) });
      } catch (error) {
        send({ type: 'error', seq: message.seq, message: (error as Error)?.message ?? String(error) });
      }
      return;
    }
    db.close();
    send({ type: 'closed' });
  });
  send({ type: 'ready', protocol: FIGURES_PROTOCOL });
}

if (parentPort) main(parentPort);

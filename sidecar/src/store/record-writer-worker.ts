/**
 * The thread that writes 3101/3102 records (record-sink.ts): its own connection to the records database, one
 * transaction per batch of rows the request thread built. Only SQLite's work happens here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { zeroDeletedContent } from './database';
import { RecordRowWriter } from './record-rows';
import {
  type FromRecordWriter,
  RECORD_WRITER_PROTOCOL,
  type RecordWriterOptions,
  type ToRecordWriter,
} from './record-sink';

function main(port: NonNullable<typeof parentPort>): void {
  const options = workerData as RecordWriterOptions;
  const send = (message: FromRecordWriter) => port.postMessage(message);
  let db: Database.Database;
  let writer: RecordRowWriter;
  try {
    db = new Database(options.file, { fileMustExist: true });
    // A write lock held by the request thread (a 3103) is waited for; past this the rows go back, held.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    zeroDeletedContent(db);
    // SQLite's automatic checkpoint stays on for this connection: when a commit here takes the WAL past 1,000
    // pages, the copy happens on this thread, which is the point of it.
    writer = new RecordRowWriter(db);
  } catch (error) {
    send({ type: 'failed', message: (error as Error)?.message ?? String(error) });
    return;
  }
  port.on('message', (message: ToRecordWriter) => {
    if (message.type === 'write') {
      send({ type: 'written', seq: message.seq, outcome: writer.write(message.records) });
      return;
    }
    db.close();
    send({ type: 'closed' });
  });
  send({ type: 'ready', protocol: RECORD_WRITER_PROTOCOL });
}

if (parentPort) main(parentPort);

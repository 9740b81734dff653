/** pino-roll ships no types; what logging's rolling file (log-rotation.ts) uses of it, as its README documents. */
declare module 'pino-roll' {
  import type pino from 'pino';

  export interface PinoRollOptions {
    /** The log file's path; the date and a number go before its extension (prealert.2026-05-01.1.log). */
    file: string;
    /** Roll over at this size: a number of MB, or a string with a unit (b, k, m, g). */
    size?: number | string;
    /** Roll over every day or hour (at local midnight, or the hour), or every so many ms. */
    frequency?: 'daily' | 'hourly' | number;
    /** date-fns format of the date in the file name. */
    dateFormat?: string;
    /** Files kept when rolling over; with removeOtherLogFiles also those of earlier runs. */
    limit?: { count: number; removeOtherLogFiles?: boolean };
    symlink?: boolean;
    // sonic-boom's own options, passed through.
    mkdir?: boolean;
    /** The mode each file is created with (every roll-over opens a new one). */
    mode?: number;
    sync?: boolean;
    minLength?: number;
    periodicFlush?: number;
  }

  /** Opens the file to write (numbering on from the day's last one) and resolves with its sonic-boom stream. */
  export default function pinoRoll(options: PinoRollOptions): Promise<ReturnType<typeof pino.destination>>;
}

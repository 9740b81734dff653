import fs from 'node:fs';
import { BundleError } from './bundle-error';

/** Feeds a file to `onChunk` a piece at a time, awaiting `pause` between pieces (see Slicer). */
export async function readFileChunks(
  file: string,
  onChunk: (chunk: Buffer) => void,
  pause: () => Promise<void> | undefined = () => undefined,
): Promise<void> {
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 64 * 1024 })) {
      onChunk(chunk as Buffer);
      await pause();
    }
  } catch (error) {
    if (error instanceof BundleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new BundleError(`cannot be read (${code ?? (error as Error).message})`, 'io', file);
  }
}

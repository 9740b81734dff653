import fs from 'node:fs';
import { BundleError } from './bundle-error';

/**
 * Feeds a file to `onChunk` a piece at a time, awaiting `pause` between pieces (see Slicer). The file is read in
 * `readBytes` blocks (each read costs a round trip to the thread pool) and handed over in `pieceBytes` pieces (each
 * piece is work the caller does without a pause).
 */
export async function readFileChunks(
  file: string,
  onChunk: (chunk: Buffer) => void,
  pause: () => Promise<void> | undefined = () => undefined,
  sizes: { readBytes?: number; pieceBytes?: number } = {},
): Promise<void> {
  const readBytes = sizes.readBytes ?? 64 * 1024;
  const pieceBytes = sizes.pieceBytes ?? readBytes;
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: readBytes })) {
      const bytes = chunk as Buffer;
      for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
        onChunk(offset === 0 && bytes.length <= pieceBytes ? bytes : bytes.subarray(offset, offset + pieceBytes));
        await pause();
      }
    }
  } catch (error) {
    if (error instanceof BundleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new BundleError(`cannot be read (${code ?? (error as Error).message})`, 'io', file);
  }
}

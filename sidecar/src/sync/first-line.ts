/**
 * Splits a byte stream after its first newline: the first line as bytes (at most `maxBytes`), and the rest as a
 * stream of its own. A pushed bundle is its manifest on one line followed by the library or delta file.
 */
export async function splitFirstLine(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<{ first: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) throw new RangeError('the body ended before the manifest line did');
    const chunk = Buffer.from(next.value);
    const newline = chunk.indexOf(0x0a);
    if (newline < 0) {
      size += chunk.length;
      if (size > maxBytes) throw new RangeError(`the manifest line is longer than ${maxBytes} bytes`);
      head.push(chunk);
      continue;
    }
    head.push(chunk.subarray(0, newline));
    const leftover = chunk.subarray(newline + 1);
    async function* rest(): AsyncGenerator<Buffer> {
      if (leftover.length > 0) yield leftover;
      for (;;) {
        const more = await iterator.next();
        if (more.done) return;
        yield Buffer.from(more.value);
      }
    }
    return { first: Buffer.concat(head), rest: rest() };
  }
}

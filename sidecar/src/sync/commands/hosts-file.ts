import fs from 'node:fs';
import { DEFAULT_PORT } from '../../config';

export interface FleetHost {
  /** As written in the hosts file, for tables. */
  name: string;
  /** Base URL of the sidecar. */
  url: string;
  /** Where its port came from, for the hint when nothing listens there. */
  portFrom: string;
}

/**
 * A hosts file: one workstation per line, `host`, `host:port` or a full `http(s)://host:port` URL; `#` starts a
 * comment. The port defaults to the sidecar's (17311).
 */
export function readHostsFile(file: string): FleetHost[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const hosts: FleetHost[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const name = raw.replace(/#.*$/, '').trim();
    if (name === '') return;
    const withScheme = /^https?:\/\//i.test(name) ? name : `http://${name}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new Error(`${file}:${i + 1}: ${JSON.stringify(name)} is not a host, host:port or URL`);
    }
    if (url.pathname !== '/' || url.search || url.hash) {
      throw new Error(`${file}:${i + 1}: give the sidecar's address only (no path): ${JSON.stringify(name)}`);
    }
    const portFrom = url.port ? `from ${file}:${i + 1}` : `the default: ${file}:${i + 1} names no port`;
    if (!url.port) url.port = String(DEFAULT_PORT);
    hosts.push({ name, url: url.origin, portFrom });
  });
  if (hosts.length === 0) throw new Error(`${file}: lists no hosts`);
  return hosts;
}

/** Runs `work` over `items` with at most `concurrency` at once, results in input order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDurably } from './durable-files';

export const INSTANCE_FILE_NAME = 'instance.json';

/**
 * The machine a data dir runs on, as node:os sees it on Windows and Linux alike: its host name and the MAC
 * addresses of its network adapters. A disk image or a data dir copied to another PC keeps install.secret (and so
 * the install id and every patient pseudonym) but not these. Hashed: the file says nothing about the network.
 */
export function machineFingerprint(
  hostname: string = os.hostname(),
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string {
  const macs = new Set<string>();
  for (const addresses of Object.values(interfaces)) {
    for (const a of addresses ?? []) if (!a.internal && !/^[0:]*$/.test(a.mac)) macs.add(a.mac.toLowerCase());
  }
  return createHash('sha256')
    .update(`${hostname.toLowerCase()}\n${[...macs].sort().join(',')}`)
    .digest('hex')
    .slice(0, 32);
}

interface InstanceFile {
  instance_id: string;
  machine: string;
}

/**
 * The id of this running workstation, beside install.secret: kept while the data dir stays on the machine that
 * made it, made anew when it finds itself on another (a cloned image, a copied folder), so that two workstations
 * sharing one install id still send their daily figures under ids of their own. A file that cannot be read is
 * replaced: an instance id carries nothing to keep.
 */
export function loadInstanceId(dataDir: string, machine: string = machineFingerprint()): string {
  const file = path.join(dataDir, INSTANCE_FILE_NAME);
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<InstanceFile>;
    if (
      stored.machine === machine &&
      typeof stored.instance_id === 'string' &&
      /^[0-9a-f]{16}$/.test(stored.instance_id)
    )
      return stored.instance_id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  const fresh: InstanceFile = { instance_id: randomBytes(8).toString('hex'), machine };
  writeDurably(file, `${JSON.stringify(fresh)}\n`);
  return fresh.instance_id;
}

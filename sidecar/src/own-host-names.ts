import os from 'node:os';

/** The name in a Host header without its port, lower-cased; an IPv6 address without its brackets and zone. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  const name = bracketed ? bracketed[1]! : host.replace(/:\d+$/, '');
  return name.replace(/%.*$/, '').toLowerCase();
}

/**
 * Whether a Host header names this machine the way a caller on it or on the hospital's network would: its host
 * name, one of its interfaces' addresses, or the address it was told to listen on. Read at each call: a DHCP
 * lease or a VPN changes the addresses while the sidecar runs.
 */
export function namesThisMachine(host: string | undefined, listenHost: string): boolean {
  if (host === undefined || host === '') return false;
  const name = hostName(host);
  if (name === os.hostname().toLowerCase() || name === listenHost.toLowerCase()) return true;
  return Object.values(os.networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((address) => address.address.replace(/%.*$/, '').toLowerCase() === name),
  );
}

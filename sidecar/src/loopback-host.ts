/** A Host header naming this machine by a loopback name: 127.0.0.1, localhost or [::1], with or without a port. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/** A listening address only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(address);
}

/** A peer on this machine: 127.0.0.0/8, ::1, or an IPv4 loopback address in its IPv6-mapped form. */
export function isLocalPeer(address: string | undefined): boolean {
  if (address === undefined) return false;
  return isLoopbackAddress(address.startsWith('::ffff:') ? address.slice(7) : address);
}

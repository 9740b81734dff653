// Inlined by the bundler from sidecar/package.json: the built dist names the build it is, with no file read at run time.
import { version } from '../package.json';

/** This prealert build's version (sidecar/package.json), as `prealert --version`, /v1/status and /metrics show it. */
export const SOFTWARE_VERSION: string = version;

export function softwareInfo(): { version: string; node: string } {
  return { version: SOFTWARE_VERSION, node: process.version };
}

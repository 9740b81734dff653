// Inlined by the bundler from sidecar/package.json: the built dist names the build it is, with no file read at run time.
import { version } from '../package.json';

// Defined by tsup (tsup.config.ts, scripts/build-identity.mjs): absent when the sources run untranspiled by it (tests).
declare const __PREALERT_BUILD__: string | undefined;

/** This prealert build's version (sidecar/package.json), as `prealert --version`, /v1/status and /metrics show it. */
export const SOFTWARE_VERSION: string = version;

/**
 * This build's identity, `0.1.0+d2f4861.20261130` (version, commit, commit day) or `0.1.0+<BUILD_ID>`, made when it
 * was built: every build of 0.1.0 says 0.1.0, so IT could not tell a rolled-back workstation from an upgraded one.
 * The version alone when built outside a git checkout without BUILD_ID.
 */
export const SOFTWARE_BUILD: string = typeof __PREALERT_BUILD__ === 'string' ? __PREALERT_BUILD__ : version;

export function softwareInfo(): { version: string; build: string; node: string } {
  return { version: SOFTWARE_VERSION, build: SOFTWARE_BUILD, node: process.version };
}

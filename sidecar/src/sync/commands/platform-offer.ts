import { readManifestUnverified } from '@prealert/rules-cache';
import { Agent } from 'undici';
import { shownUrl } from '../../url-credentials';
import { fetchManifest } from '../bundle-fetch';
import { message } from '../error-message';
import { manifestUrlOf } from '../sync-config';
import { shortSha } from '../version-label';

/** The library the provincial platform offers now: what its manifest.json names. */
export interface PlatformOffer {
  manifest_url: string;
  version: string;
  sha256: string;
  created_at: string;
}

/**
 * Where a workstation stands against the platform's offer. held_back: it runs an older library because IT rolled
 * back from (or pushed over) the offered one, which it will not take: behind on purpose. held: it holds the offered
 * library because it would drop too many knowledge points (point-drop-guard.ts): it waits for an admin, which
 * "behind" would not say.
 */
export type Standing = 'current' | 'behind' | 'held_back' | 'held' | 'ahead';

const TIMEOUT_MS = 10_000;

/**
 * The manifest URL fleet status compares with: `--platform`, else the PREALERT_SYNC_URL of this machine (an IT
 * machine set up as the workstations are); undefined when neither is given.
 */
export function platformManifestUrl(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const given = option?.trim() || env.PREALERT_SYNC_URL?.trim() || undefined;
  if (given === undefined) return undefined;
  try {
    return manifestUrlOf(given);
  } catch {
    const from = option?.trim() ? '--platform' : 'PREALERT_SYNC_URL';
    throw new Error(`${from} must be an absolute http(s) URL of the bundle directory (got ${JSON.stringify(given)})`);
  }
}

/**
 * GETs the manifest once, as a workstation's poll does, and reads which library it names. Not verified: it only
 * says what the hosts are compared with; each workstation verifies what it takes. A failure is returned, not thrown,
 * so the hosts are still listed.
 */
export async function readPlatformOffer(manifestUrl: string): Promise<PlatformOffer | { error: string }> {
  const agent = new Agent({ connections: 1 });
  try {
    const fetched = await fetchManifest(agent, manifestUrl, undefined, TIMEOUT_MS);
    const shown = shownUrl(manifestUrl);
    if (fetched.status !== 200) return { error: `GET ${shown}: HTTP ${fetched.status}` };
    const manifest = readManifestUnverified(fetched.bytes, shown);
    return {
      // Printed by fleet status: the access key is not.
      manifest_url: shown,
      version: manifest.version,
      sha256: manifest.library.sha256,
      created_at: manifest.created_at,
    };
  } catch (error) {
    return { error: message(error) };
  } finally {
    await agent.close();
  }
}

/** What a host's /v1/status says of its library, as far as the comparison needs it. */
export interface HostLibrary {
  /** Full sha256; null for the national library bundled with prealert. */
  sha256: string | null;
  created_at: string | null;
  /** Held-back versions as status names them: `name (sha256 prefix)`. */
  held_back: readonly string[];
  /** sha256 of the library the host holds for dropping too many points; null when none is held. */
  held: string | null;
}

/**
 * current: the offered library itself (by sha256, not name: two libraries may share one). Otherwise held back when
 * the host holds the offer back, else ahead or behind by created_at, the order the workstations take bundles in.
 */
export function standingOf(host: HostLibrary, offer: PlatformOffer): Standing {
  if (host.sha256 === offer.sha256) return 'current';
  const offered = `(${shortSha(offer.sha256)})`;
  if (host.held_back.some((label) => label.endsWith(offered))) return 'held_back';
  if (host.held === offer.sha256) return 'held';
  const runs = host.created_at === null ? Number.NaN : Date.parse(host.created_at);
  return runs > Date.parse(offer.created_at) ? 'ahead' : 'behind';
}

/** "7 of 9 on 2026.11.2", then the hosts not on it, by standing. */
export function offerSummary(
  offer: PlatformOffer,
  hosts: readonly { host: string; platform: Standing | null }[],
): string {
  const on = hosts.filter((h) => h.platform === 'current').length;
  const named = (standing: Standing | null, label: string) => {
    const which = hosts.filter((h) => h.platform === standing).map((h) => h.host);
    return which.length > 0 ? [`${label}: ${which.join(', ')}`] : [];
  };
  const others = [
    ...named('behind', 'behind'),
    ...named('held_back', 'held back (behind on purpose)'),
    ...named('held', 'held (would drop too many points, waiting for an admin)'),
    ...named('ahead', 'ahead'),
    ...named(null, 'unknown'),
  ];
  const head = `${on} of ${hosts.length} on ${offer.version} (${shortSha(offer.sha256)}), the platform's current library`;
  return others.length > 0 ? `${head}; ${others.join('; ')}` : head;
}

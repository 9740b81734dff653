/** The start of a library's sha256, as IT reads it beside the version name (status, fleet status, messages, logs). */
export function shortSha(sha256: string): string {
  return sha256.slice(0, 12);
}

/**
 * A library as IT reads it in status and logs: its version name and the start of its sha256, since a name alone
 * may have been published twice; "(bundled)" for the national library shipped with prealert, which has no sha256.
 */
export function versionLabel(version: string, sha256: string | null): string {
  return `${version} (${sha256 === null ? 'bundled' : shortSha(sha256)})`;
}

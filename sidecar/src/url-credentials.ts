/**
 * A URL from the configuration may carry credentials: `user:secret@` or an access key in its query (a bundle
 * server's `?key=…`). They are sent, never shown: errors, logs, /v1/status, /readyz and the HIS's err_msg (a 3101
 * refused for a stale library quotes the last sync error) name the URL with them masked.
 */
const MASK = '***';

/** What of a URL is a credential: its userinfo (`user:secret@`) and the value of each query parameter. */
function credentialsOf(url: URL): { userinfo: boolean; queryNames: string[] } {
  return { userinfo: url.username !== '' || url.password !== '', queryNames: [...url.searchParams.keys()] };
}

/** The URL as it may be shown: userinfo and every query value masked, the fragment dropped. */
export function shownUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(unreadable URL)';
  }
  const { userinfo, queryNames } = credentialsOf(url);
  if (userinfo) {
    if (url.username) url.username = MASK;
    if (url.password) url.password = MASK;
  }
  if (queryNames.length > 0) url.search = queryNames.map((name) => `${encodeURIComponent(name)}=${MASK}`).join('&');
  url.hash = '';
  return url.toString();
}

/**
 * The credentials a URL carries, named and never quoted, as shownUrl masks them: `userinfo`, `?appkey=`. For saying
 * which secrets a file that others may read holds (config-file-access.ts).
 */
export function urlCredentialNames(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const { userinfo, queryNames } = credentialsOf(url);
  return [...(userinfo ? ['userinfo'] : []), ...[...new Set(queryNames)].map((name) => `?${name}=`)];
}

/**
 * What to request: the URL without its userinfo, which undici would neither send nor refuse, and the userinfo as
 * HTTP Basic authorization, as a browser or curl sends it.
 */
export function requestTarget(text: string): { url: string; headers: Record<string, string> } {
  const url = new URL(text);
  if (!url.username && !url.password) return { url: text, headers: {} };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return {
    url: url.toString(),
    headers: { authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` },
  };
}

/**
 * A file next to `base` (a bundle directory's manifest.json or library): its query is kept, as a server that wants
 * an access key wants it on every file; `new URL(file, base)` alone drops it.
 */
export function siblingUrl(file: string, base: string): string {
  const url = new URL(file, base);
  url.search = new URL(base).search;
  return url.toString();
}

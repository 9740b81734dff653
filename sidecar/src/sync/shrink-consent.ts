/**
 * What an admin accepts when taking a library the point-drop guard holds (allow_shrink). `true` takes whatever is
 * offered or pushed, as the first form of the parameter did; `{ sha256 }` takes only the library whose sha256 starts
 * with it. Between IT reading /v1/status and asking, the platform may have changed its offer: only the named form
 * keeps a different shrinking library (another broken export) from being activated unguarded.
 */
export type ShrinkConsent = boolean | { sha256: string };

/** The shortest prefix taken: what fleet status shows, and far beyond any accidental match among libraries. */
export const MIN_SHA256_PREFIX = 12;

/**
 * allow_shrink as sent: absent, '', 0 or false: no; 1 or true: any; 12 to 64 hex digits: that library (case as
 * typed, compared in lowercase). Undefined when it is none of these, for a 400 naming the parameter.
 */
export function readShrinkConsent(value: string | undefined): ShrinkConsent | undefined {
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  if (new RegExp(`^[0-9a-fA-F]{${MIN_SHA256_PREFIX},64}$`).test(value)) return { sha256: value.toLowerCase() };
  return undefined;
}

export const SHRINK_CONSENT_FORMS =
  `1, 0 or the sha256 of the library to take (at least its first ${MIN_SHA256_PREFIX} hex digits, ` +
  'as /v1/status library.held.sha256 shows it)';

/**
 * Why the named library is not the one offered (`where`: the platform's offer, or the pushed bundle), for a 409; undefined
 * when the consent covers it (named, or given for any library).
 */
export function notConsented(
  consent: ShrinkConsent,
  offered: { version: string; sha256: string },
  where: string,
): string | undefined {
  if (typeof consent !== 'object' || offered.sha256.startsWith(consent.sha256)) return undefined;
  return (
    `allow_shrink names the library ${consent.sha256}, but ${where} ${offered.version} (${offered.sha256}): ` +
    'nothing was activated; read /v1/status library.held and name the library to take'
  );
}

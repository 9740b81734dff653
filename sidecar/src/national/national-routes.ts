/**
 * The paths a national call may arrive on. A HIS changes only its base URL, so the gateway's path comes as its
 * client library writes it: exactly, with a trailing slash, or with the infno appended (S-03 posts to
 * `gateway URL + infno`). The native shim has a route of its own.
 */
export const CALL_SERVICE_ROUTE = '/fsi/api/rsfComIfsService/callService';
export const CALL_SERVICE_SLASH_ROUTE = `${CALL_SERVICE_ROUTE}/`;
/** find-my-way pattern of `callService3101`: a parameter right after the static part of the segment. */
export const CALL_SERVICE_INFNO_ROUTE = `${CALL_SERVICE_ROUTE}:infno`;
export const SHIM_ROUTE = '/v1/yb/:infno';
const SHIM_PREFIX = '/v1/yb/';

/** The route patterns the national answerer serves (request log, metrics, host guard). */
export const NATIONAL_ROUTE_PATTERNS: ReadonlySet<string> = new Set([
  CALL_SERVICE_ROUTE,
  CALL_SERVICE_SLASH_ROUTE,
  CALL_SERVICE_INFNO_ROUTE,
  SHIM_ROUTE,
]);

/** An infno as a path may carry it: letters and digits only, so nothing else in a path is taken for one. */
export const PATH_INFNO = /^[0-9A-Za-z]{1,20}$/;

/**
 * Which national route a call came in on. `infno` is what its path says: the shim route always has one, the
 * gateway's only when the client appended it. Either must agree with the body's infno when that has one.
 */
export type NationalRoute = { kind: 'gateway'; infno?: string } | { kind: 'shim'; infno: string };

export const GATEWAY: NationalRoute = { kind: 'gateway' };

/** The route and its pattern for a URL exactly as sent; undefined for anything else (a query string too). */
export function matchNationalUrl(url: string): { pattern: string; route: NationalRoute } | undefined {
  if (url === CALL_SERVICE_ROUTE || url === CALL_SERVICE_SLASH_ROUTE) return { pattern: url, route: GATEWAY };
  if (url.startsWith(CALL_SERVICE_ROUTE)) {
    const infno = url.slice(CALL_SERVICE_ROUTE.length);
    return PATH_INFNO.test(infno)
      ? { pattern: CALL_SERVICE_INFNO_ROUTE, route: { kind: 'gateway', infno } }
      : undefined;
  }
  if (url.startsWith(SHIM_PREFIX)) {
    const infno = url.slice(SHIM_PREFIX.length);
    return PATH_INFNO.test(infno) ? { pattern: SHIM_ROUTE, route: { kind: 'shim', infno } } : undefined;
  }
  return undefined;
}

const SHOWN_PATH_CHARS = 100;

/**
 * err_msg for a POST no national route takes. The path without its query string (which may carry a provincial
 * gateway's access key), cut to a length err_msg can carry.
 */
export function unknownPathMessage(method: string, url: string): string {
  const pathOnly = url.split('?', 1)[0] ?? '';
  const shown = pathOnly.length > SHOWN_PATH_CHARS ? `${pathOnly.slice(0, SHOWN_PATH_CHARS)}…` : pathOnly;
  return `地址 ${method} "${shown}" 不是本服务的接口地址: 国家接口应为 POST ${CALL_SERVICE_ROUTE}（或 ${CALL_SERVICE_ROUTE}<infno>），插件接口为 POST ${SHIM_PREFIX}<infno>`;
}

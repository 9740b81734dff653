import type { FastifyInstance } from 'fastify';
import { isLocalPeer, isLoopbackAddress } from '../loopback-host';
import { render, shortenError } from '../national/national-answerer';
import { NATIONAL_ROUTE_PATTERNS } from '../national/national-routes';
import type { NationalService } from '../national/national-service';

/** err_msg of a national call refused for coming from another machine: why, and the setting that allows it. */
const REMOTE_NATIONAL_MESSAGE =
  '国家接口只接受本机 (127.0.0.1/::1) 的调用: 本服务监听在本机以外的地址 (PREALERT_HOST) 是为 push、fleet status 等管理用途；如确需其他机器上的 HIS 调用，请设置 allowRemoteNational (PREALERT_ALLOW_REMOTE_NATIONAL=on)';

export interface RemoteNationalOptions {
  listenHost: string;
  /** allowRemoteNational: the hospital chose to let other machines make national calls. */
  allowRemote: boolean;
}

/**
 * Whether national calls from other machines are refused. Only when the sidecar listens beyond loopback, which
 * IT does for push and fleet status: the HIS calls its own workstation's sidecar over loopback (a desktop HIS, a
 * B/S station in the workstation's browser, a remote desktop session on the same machine). A national call from
 * elsewhere could read the doctors' reasons (prior_dspo, by a jr_id that depends only on encounter and order ids;
 * prior_visit_rea, by a patn_id and a drug) and turn a 返回修改 into a 继续执行 with a 3103, with no token at all.
 */
export function refusesRemoteNational(options: RemoteNationalOptions): boolean {
  return !options.allowRemote && !isLoopbackAddress(options.listenHost);
}

/**
 * The national routes (every national path, the shim's /v1/yb/* and the Hainan variants, which share them) answer
 * a peer on another machine with infcode -1 and HTTP 403, before the body is read. The direct lane leaves such a
 * peer's calls to fastify (direct-lane.ts), so this is the one place they are refused.
 */
export async function remoteNationalGuard(
  app: FastifyInstance,
  options: RemoteNationalOptions & { service: Pick<NationalService, 'error'> },
): Promise<void> {
  if (!refusesRemoteNational(options)) return;
  const { service } = options;
  app.addHook('onRequest', async (request, reply) => {
    if (!NATIONAL_ROUTE_PATTERNS.has(request.routeOptions.url ?? '') || isLocalPeer(request.socket.remoteAddress))
      return;
    const infno = (request.params as { infno?: string } | undefined)?.infno ?? '-';
    request.prealert = { infno, ok: false, error: shortenError(REMOTE_NATIONAL_MESSAGE) };
    const rendered = render(
      service.error({ receivedAt: new Date() }, REMOTE_NATIONAL_MESSAGE).envelope,
      undefined,
      403,
    );
    return reply.code(rendered.status).header('content-type', rendered.contentType).send(rendered.payload);
  });
}
// Hooks must reach every route, not only this plugin's own scope.
(remoteNationalGuard as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

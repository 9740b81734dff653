// Which shim build calls the sidecar: the shim's User-Agent names the build prealert_version() names, and the
// sidecar's request log line carries it, where every shim used to send a bare `prealert-shim`. Real compiled .so,
// a real HTTP listener on loopback and the real sidecar, real national codes in the request.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpPeer, OK_ENVELOPE, type Peer } from './support/fault-peer';
import { maleOnlyDrugs, request3101 } from './support/national-requests';
import { loadShim, RC, type ShimLibrary } from './support/shim-addon';
import { sidecarBuild } from './support/sidecar-build';
import { type RunningSidecar, startSidecar } from './support/sidecar-process';
import { encodeFor } from './support/text-codec';

let shim: ShimLibrary;
const peers: Peer[] = [];

/** "prealert-shim 0.1.0+d2f4861.20261130 proto=1 linux-x64" → the User-Agent the same build sends. */
function expectedUserAgent(version: string): string {
  const [name, build, proto, platform] = version.split(' ');
  expect(name).toBe('prealert-shim');
  return `prealert-shim/${build} (${proto}; ${platform})`;
}

async function call3101(): Promise<number> {
  const input = encodeFor('utf8', JSON.stringify(request3101(maleOnlyDrugs().slice(0, 1))));
  const outcome = await shim.call('utf8', Buffer.from('3101'), input, 65536);
  return outcome.rc;
}

beforeAll(() => {
  shim = loadShim();
}, 240_000);

afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
});

describe("the shim's User-Agent", () => {
  it('names the build prealert_version() returns, the one the sidecar of this checkout names', async () => {
    const peer = await httpPeer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(OK_ENVELOPE);
    });
    peers.push(peer);
    expect(shim.setOption('reset', 'all')).toBe(RC.ok);
    expect(shim.setOption('port', String(peer.port))).toBe(RC.ok);
    expect(await call3101()).toBe(RC.ok);

    expect(peer.requests).toHaveLength(1);
    const userAgent = peer.requests[0]!.headers['user-agent'];
    expect(userAgent).toBe(expectedUserAgent(shim.version()));
    // The same build string, not merely one of the same shape: a shim built at another commit says so.
    expect(userAgent).toContain(`prealert-shim/${sidecarBuild()} `);
  });

  describe('in the sidecar', () => {
    let sidecar: RunningSidecar;
    beforeAll(async () => {
      sidecar = await startSidecar({ PREALERT_LOG_LEVEL: 'info' });
    });
    afterAll(async () => {
      await sidecar?.stop();
    });

    it("is in the request log line of the shim's call", async () => {
      expect(shim.setOption('reset', 'all')).toBe(RC.ok);
      expect(shim.setOption('data_dir', sidecar.dataDir)).toBe(RC.ok);
      expect(await call3101()).toBe(RC.ok);

      // The sidecar writes its log in blocks, at least every half second.
      const deadline = Date.now() + 5000;
      let requestLines: Record<string, unknown>[] = [];
      while (requestLines.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        requestLines = sidecar
          .log()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => line.msg === 'request' && line.infno === '3101');
      }
      expect(requestLines, sidecar.log()).toHaveLength(1);
      expect(requestLines[0]!.user_agent).toBe(expectedUserAgent(shim.version()));
    });
  });
});

/**
 * The demo doctor station's static server (node:http, loopback only). Besides public/ it serves the built
 * widget (/vendor/widget/*), chart.js's UMD build (/vendor/chart.umd.min.js) and /config.json, which tells
 * the pages where the workstation's sidecar listens.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export function widgetDistDir() {
  return path.join(path.dirname(require.resolve('@prealert/widget/package.json')), 'dist');
}

export function chartJsFile() {
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

/** Resolves `name` inside `root`, refusing anything that would leave it. */
function inside(root, name) {
  const target = path.resolve(root, `.${path.posix.normalize(`/${name}`)}`);
  return target === root || target.startsWith(root + path.sep) ? target : undefined;
}

/**
 * The sidecar's address is set after start: the sidecar needs the demo's origin (for CORS) before it starts.
 * @param {{ sidecarUrl?: string, host?: string, port?: number }} options
 * @returns {Promise<{ server: http.Server, url: string, setSidecarUrl(url: string): void, close(): Promise<void> }>}
 */
export async function startDemoServer(options) {
  const publicDir = path.join(here, 'public');
  const widgetDir = widgetDistDir();
  const chartFile = chartJsFile();
  let config = JSON.stringify({ sidecar: options.sidecarUrl ?? '' });

  const server = http.createServer(async (request, response) => {
    const send = (status, type, body) => {
      response.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'method not allowed');
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://demo').pathname);
    } catch {
      send(400, 'text/plain; charset=utf-8', 'bad path');
      return;
    }
    if (pathname === '/config.json') {
      send(200, TYPES['.json'], config);
      return;
    }
    let file;
    if (pathname === '/' || pathname === '/index.html') file = path.join(publicDir, 'index.html');
    else if (pathname === '/figures' || pathname === '/figures.html') file = path.join(publicDir, 'figures.html');
    else if (pathname === '/vendor/chart.umd.min.js') file = chartFile;
    else if (pathname.startsWith('/vendor/widget/')) file = inside(widgetDir, pathname.slice('/vendor/widget/'.length));
    else file = inside(publicDir, pathname.slice(1));
    const type = file ? TYPES[path.extname(file)] : undefined;
    if (!file || !type) {
      send(404, 'text/plain; charset=utf-8', 'not found');
      return;
    }
    try {
      send(200, type, await fs.readFile(file));
    } catch {
      send(404, 'text/plain; charset=utf-8', 'not found');
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    url: `http://${host}:${port}`,
    setSidecarUrl(url) {
      config = JSON.stringify({ sidecar: url });
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

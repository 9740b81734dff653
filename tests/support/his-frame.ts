import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import { codeBlocks } from './readme-code';

/** The HIS page's script as the widget README's "In an iframe" gives it: forward F8, take the focus back on return. */
function readmeHostScript(frameOrigin: string): string {
  const readme = fs.readFileSync(new URL('../../packages/widget/README.md', import.meta.url), 'utf8');
  const block = codeBlocks(readme, 'html').find((code) => code.includes("type: 'prealert-hotkey'"));
  const script = block?.match(/<script>[\s\S]*?<\/script>/)?.[0];
  if (!script) throw new Error("the widget README's iframe section has no host <script>");
  return script.split('https://station.example').join(frameOrigin);
}

export interface HisFrameServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A HIS page on its own loopback origin: an order field (#order) and `framePath` of `frameOrigin` in
 * #prealert-frame, with the README's host script. Another origin than the frame's, as in a hospital.
 */
export async function startHisFrame(frameOrigin: string, framePath = '/embed.html'): Promise<HisFrameServer> {
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>HIS</title></head>
<body>
<label>医嘱 <input id="order" autofocus></label>
<iframe id="prealert-frame" src="${frameOrigin}${framePath}" width="900" height="700"></iframe>
${readmeHostScript(frameOrigin)}
</body></html>`;
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      // Chromium keeps its connections to the page open: closed here, or close() waits for them to time out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The frame of `page` whose URL starts with `origin`, once it is there. */
export function frameOf(page: Page, origin: string): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(origin));
  if (!frame) throw new Error(`no frame of ${origin} is loaded`);
  return frame;
}

/** Where focus is: the HIS page's element, and in the frame the focused card's rule (null outside the panel). */
export const focusOf = async (page: Page, frame: Frame) => ({
  his: await page.evaluate(() => document.activeElement?.id ?? ''),
  widget: await frame.evaluate(
    () =>
      document.querySelector('prealert-reminder')?.shadowRoot?.activeElement?.querySelector('.rule')?.textContent ??
      null,
  ),
});

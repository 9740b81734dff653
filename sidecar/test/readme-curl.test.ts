/**
 * The README's first 3101 and 3103 (section "A first 3101 and 3103 with curl"), sent as written over real HTTP to a
 * fresh sidecar on the bundled national library: the shortened answers the README shows must be part of what it
 * answers, and the 3103 must answer the 3101's warning by the jr_id shown, so the example cannot rot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { testServer } from './helpers/test-server';

const README_ORIGIN = 'http://127.0.0.1:17311';

interface CurlExample {
  url: string;
  body: string;
  shownAnswer: unknown;
}

/** Each `sh` curl block of the section with the `json` block after it (the answer it shows). */
function curlExamples(): CurlExample[] {
  const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## A first 3101 and 3103 with curl');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const fences = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
  const examples: CurlExample[] = [];
  for (const [index, fence] of fences.entries()) {
    if (fence.lang !== 'sh') continue;
    const command = fence.code.match(/^curl -s (\S+) -H 'Content-Type: application\/json' -d '([\s\S]*)'\s*$/);
    const answer = fences[index + 1];
    if (!command || answer?.lang !== 'json') throw new Error(`README curl block not as expected:\n${fence.code}`);
    examples.push({ url: command[1]!, body: command[2]!, shownAnswer: JSON.parse(answer.code) });
  }
  return examples;
}

let server: SidecarServer;
let origin: string;

beforeAll(async () => {
  server = await testServer();
  const listening = await server.listen();
  origin = `http://127.0.0.1:${listening.port}`;
});
afterAll(async () => {
  await server.close();
});

describe('sidecar README: a first 3101 and 3103 with curl', () => {
  it('answers each request as the README shows, and records the decision', async () => {
    const examples = curlExamples();
    expect(examples.map((e) => (JSON.parse(e.body) as { infno: string }).infno)).toEqual(['3101', '3103']);
    for (const example of examples) {
      expect(example.url.startsWith(`${README_ORIGIN}/`)).toBe(true);
      const response = await fetch(origin + example.url.slice(README_ORIGIN.length), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: example.body,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject(example.shownAnswer as Record<string, unknown>);
    }
    const task = (await (await fetch(`${origin}/v1/tasks/README-T1`)).json()) as {
      dispositions: Record<string, { dspo_way: string; dspo_way_rea: string }>;
    };
    expect(task.dispositions).toEqual({
      JRd5ebab32e9742f37b8b53249: expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已核实，临床必需' }),
    });
  });
});

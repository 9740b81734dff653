/**
 * prealert's own result texts quote what the HIS sent: the data-quality reminders quote the item name
 * (「阿帕他胺片 王秀英」, 「王秀英自带药」), the indication reminder the diagnosis name, clipped to 20 characters. A HIS that
 * put the patient's name or 身份证号 there is answered with its own text; the records (result_bodies) hold it masked,
 * as they hold a gateway's texts and the item names (tasks.line_names).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { storedBytes } from './helpers/logged-server';
import { callOverHttp, testServer } from './helpers/test-server';

const fixture = (name: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8')) as unknown;

const NAME = '王秀英';
const ID = '110105198203154321';
/** What core's 20-character clip of 「前列腺癌 王秀英 110105198203154321」 leaves of the number: region, birth year, month. */
const CUT_ID = '11010519820';

describe.each([
  ['on the analysis thread', true],
  ['on the request thread', false],
])("prealert's own result texts, answered %s", (_where, analysisThread) => {
  it('are answered as the HIS sent them and stored without the patient name or a cut ID number', async () => {
    const server = await testServer({ analysisThread });
    const answered: string[] = [];
    try {
      await server.listen();
      for (const name of ['name-in-item-names.json', 'name-and-id-in-diagnosis.json']) {
        const reply = await callOverHttp(server, fixture(name));
        expect(reply.body.infcode, reply.body.err_msg).toBe(0);
        answered.push(reply.raw.toString('utf8'));
      }
      // The answer keeps the HIS's own text: the doctor at this workstation reads the item as the HIS named it.
      expect(answered[0]).toContain('同一项目同日同金额重复录入：阿帕他胺片 王秀英');
      expect(answered[0]).toContain('王秀英自带药');
      expect(answered[1]).toContain(`前列腺癌 王秀英 ${CUT_ID}…`);

      // Asked for over HTTP as the reminder page asks: the records are written first.
      const address = server.app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const task = await fetch(`http://127.0.0.1:${port}/v1/tasks/T-PII-1`);
      expect(task.status).toBe(200);
      const view = await task.text();
      expect(view).not.toContain(NAME);
      expect(view).not.toContain(CUT_ID);

      const bodies = server.db.prepare('SELECT json FROM result_bodies').pluck().all() as string[];
      const texts = bodies.join('\n');
      expect(texts).toContain('同一项目同日同金额重复录入：阿帕他胺片 [redacted]');
      expect(texts).toContain('[redacted]自带药');
      expect(texts).toContain('前列腺癌 [redacted] [redacted]…');
    } finally {
      await server.close();
    }
    const bytes = storedBytes(server.dataDir);
    expect(bytes.includes(Buffer.from(NAME)), 'the patient name in the SQLite files').toBe(false);
    expect(bytes.includes(Buffer.from(CUT_ID)), 'a cut ID number in the SQLite files').toBe(false);
    expect(bytes.includes(Buffer.from(ID))).toBe(false);
  });
});

/**
 * A HIS that builds its task_id from the patient (「T-王秀英-身份证号」): the answer and its X-Prealert-Task-Id header
 * carry it as sent (the HIS's own id, on its own workstation), the request log and the task row do not; the task is
 * still found by the task_id the HIS asks with (GET /v1/tasks/<task_id>, which the reminder page fetches).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { TASK_ID_HEADER } from '../src/national/recorded-task-id';
import { createServer } from '../src/server';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { analysisEnvelope } from './fixtures/his-requests';
import { callOverHttp, tempDataDir } from './helpers/test-server';

const NAME = '王秀英';
const ID = '110105198203154321';
const TASK_ID = `T-${NAME}-${ID}`;

function request(): Record<string, unknown> {
  const file = path.join(import.meta.dirname, 'fixtures', 'name-and-id-in-diagnosis.json');
  const envelope = JSON.parse(fs.readFileSync(file, 'utf8')) as { input: { data: Record<string, unknown> } };
  envelope.input.data.task_id = TASK_ID;
  return envelope;
}

/** GET /v1/tasks/<task_id> of the listening sidecar: how the reminder page and a HIS find a task again. */
function taskPage(server: Awaited<ReturnType<typeof createServer>>, taskId: string): Promise<Response> {
  const address = server.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return fetch(`http://127.0.0.1:${port}/v1/tasks/${encodeURIComponent(taskId)}`);
}

const filesOf = (dir: string, prefix = ''): Buffer =>
  Buffer.concat(
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(prefix))
      .map((f) => fs.readFileSync(path.join(dir, f))),
  );

describe.each([
  ['on the analysis thread', true],
  ['on the request thread', false],
])('a task_id naming the patient, answered %s', (_where, analysisThread) => {
  it('is neither logged nor stored, and the task is found by it', async () => {
    const dataDir = tempDataDir();
    const logDir = path.join(dataDir, 'logs');
    const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
    const server = await createServer({
      config: { ...base, analysisThread, log: { ...base.log, level: 'info', file: path.join(logDir, 'prealert.log') } },
    });
    try {
      await server.listen();
      const reply = await callOverHttp(server, request());
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      // The spec's 原样返回: each result echoes the task_id as sent, and the header names it for the way back.
      expect(reply.body.output.result?.[0]?.task_id).toBe(TASK_ID);
      const header = decodeURIComponent(String(reply.headers[TASK_ID_HEADER.toLowerCase()]));
      expect(header).toBe(TASK_ID);

      const task = await taskPage(server, header);
      expect(task.status).toBe(200);
      const view = (await task.json()) as { task_id: string; results: { task_id: string }[] };
      expect(view.task_id).toBe(TASK_ID);
      expect(view.results.length).toBeGreaterThan(0);
      expect(view.results.every((r) => r.task_id === TASK_ID)).toBe(true);
      // Another patient's task_id finds nothing.
      const other = await taskPage(server, `T-张三-${ID}`);
      expect(other.status).toBe(404);

      const stored = server.db.prepare('SELECT task_id FROM tasks').pluck().all() as string[];
      expect(stored).toHaveLength(1);
      expect(stored[0]).not.toContain(NAME);
      expect(stored[0]).not.toContain(ID);
    } finally {
      await server.close();
    }
    const log = filesOf(logDir).toString('utf8');
    const line = log.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('callService'));
    expect(line, log).toBeDefined();
    expect(JSON.parse(line!).task_id).toBe('T-[redacted]-[redacted]');
    expect(log).not.toContain(NAME);
    expect(log).not.toContain(ID);
    const db = filesOf(dataDir, DATABASE_FILE_NAME);
    expect(db.includes(Buffer.from(NAME)), 'the patient name in the SQLite files').toBe(false);
    expect(db.includes(Buffer.from(ID)), 'the ID number in the SQLite files').toBe(false);
  });
});

describe('a task_id built from the patn_id', () => {
  it('is neither logged nor stored in clear, and the task is found by it', async () => {
    const patientId = '44010000000001234567';
    const taskId = `ZY-${patientId}-01`;
    const dataDir = tempDataDir();
    const logDir = path.join(dataDir, 'logs');
    const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
    const server = await createServer({
      config: { ...base, log: { ...base.log, level: 'trace', file: path.join(logDir, 'prealert.log') } },
    });
    try {
      await server.listen();
      const reply = await callOverHttp(
        server,
        analysisEnvelope({ patientId, taskId, encounterId: 'ZY20260315000456' }),
      );
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      expect(reply.body.output.result?.[0]?.task_id).toBe(taskId);
      const task = await taskPage(server, taskId);
      expect(task.status).toBe(200);
      expect(((await task.json()) as { task_id: string }).task_id).toBe(taskId);
      const stored = server.db.prepare('SELECT task_id FROM tasks').pluck().all() as string[];
      expect(stored).toHaveLength(1);
      expect(stored[0]).not.toContain(patientId);
    } finally {
      await server.close();
    }
    const log = filesOf(logDir).toString('utf8');
    const line = log.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('callService'));
    expect(JSON.parse(line!).task_id).toBe('ZY-[redacted]-01');
    expect(log).not.toContain(patientId);
    expect(filesOf(dataDir, DATABASE_FILE_NAME).includes(Buffer.from(patientId)), 'patn_id in the SQLite files').toBe(
      false,
    );
  });
});

describe('a task_id holding a phone number', () => {
  // A HIS that keys its calls by the patient's mobile number (the number the registration desk took).
  it('is logged and stored masked, as a name or an ID number is, and the task is found by it', async () => {
    const phone = '13812345678';
    const taskId = `${phone}_MZ01`;
    const dataDir = tempDataDir();
    const logDir = path.join(dataDir, 'logs');
    const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
    const server = await createServer({
      config: { ...base, log: { ...base.log, level: 'trace', file: path.join(logDir, 'prealert.log') } },
    });
    try {
      await server.listen();
      const reply = await callOverHttp(server, analysisEnvelope({ taskId, encounterId: 'MZ20261120000789' }));
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      expect(reply.body.output.result?.[0]?.task_id).toBe(taskId);
      const task = await taskPage(server, taskId);
      expect(task.status).toBe(200);
      expect(((await task.json()) as { task_id: string }).task_id).toBe(taskId);
      const stored = server.db.prepare('SELECT task_id FROM tasks').pluck().all() as string[];
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatch(/^~[A-Za-z0-9_-]{22}$/);
    } finally {
      await server.close();
    }
    const log = filesOf(logDir).toString('utf8');
    const line = log.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('callService'));
    expect(JSON.parse(line!).task_id).toBe('[redacted]_MZ01');
    expect(log).not.toContain(phone);
    expect(filesOf(dataDir, DATABASE_FILE_NAME).includes(Buffer.from(phone)), 'the phone in the SQLite files').toBe(
      false,
    );
  });
});

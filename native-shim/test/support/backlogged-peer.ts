import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

/**
 * A listener whose connects do not complete: it never calls accept() and its one-slot backlog is full, so the
 * kernel drops further SYNs and a connect hangs until the caller's own deadline, as to a sidecar too starved to
 * accept in time. serve() then makes it a sidecar that answers again, on the same port. Node accepts eagerly, so
 * python3 (which node-gyp needs anyway) holds the socket.
 */
export interface BackloggedPeer {
  port: number;
  /** Drops the queued connections, then accepts and answers every request with `answer` (HTTP 200). */
  serve(): Promise<void>;
  close(): Promise<void>;
}

const HOLDER = `
import os, socket, sys, threading
answer = sys.argv[1].encode()
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
# stdin closes when the test process goes, however it goes: the holder must not outlive it.
if sys.stdin.readline() == "":
    os._exit(0)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
# The queued connection must go before the "serving" line: while it fills the backlog, a connect still hangs.
s.setblocking(False)
while True:
    try:
        s.accept()[0].close()
    except BlockingIOError:
        break
s.setblocking(True)

def reply(c):
    try:
        c.settimeout(5)
        data = b""
        while b"\\r\\n\\r\\n" not in data:
            chunk = c.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\\r\\n\\r\\n")
        length = 0
        for line in head.split(b"\\r\\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = c.recv(65536)
            if not chunk:
                return
            body += chunk
        c.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(answer) + answer)
    except OSError:
        pass
    finally:
        c.close()

print("serving", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=reply, args=(c,), daemon=True).start()
`;

function lines(child: ChildProcess): () => Promise<string> {
  const waiting: ((line: string) => void)[] = [];
  const ready: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    for (let end = partial.indexOf('\n'); end >= 0; end = partial.indexOf('\n')) {
      const line = partial.slice(0, end).trim();
      partial = partial.slice(end + 1);
      const next = waiting.shift();
      if (next) next(line);
      else ready.push(line);
    }
  });
  return () => {
    const line = ready.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
}

/** undefined when python3 cannot be started: the caller skips, saying so. */
export async function backloggedPeer(answer: string): Promise<BackloggedPeer | undefined> {
  const holder = spawn('python3', ['-c', HOLDER, answer], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  const nextLine = lines(holder);
  const started = await new Promise<number | undefined>((resolve) => {
    holder.once('error', () => resolve(undefined));
    void nextLine().then((line) => resolve(Number(line)));
  });
  if (started === undefined) return undefined;
  const port = started;
  // The first filler takes the one slot; the others keep SYNs of their own dropped, which is harmless.
  const fillers = [1, 2, 3].map(() => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return {
    port,
    async serve() {
      for (const filler of fillers) filler.destroy();
      holder.stdin?.write('serve\n');
      const line = await nextLine();
      if (line !== 'serving') throw new Error(`backlogged peer: expected "serving", got ${JSON.stringify(line)}`);
    },
    async close() {
      for (const filler of fillers) filler.destroy();
      if (holder.exitCode === null && holder.signalCode === null) holder.kill();
      await exited;
    },
  };
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * A private mount namespace in which some system folders (/var/lib, /root) are empty tmpfs mounts, so the sidecar and
 * the shim can be run on their real default data dirs (/var/lib/prealert, the passwd home's ~/.local/share/prealert)
 * without touching the machine's own: only processes started through `command` see them, and the test reads them
 * through /proc/<pid>/root. The namespace lives as long as a `sleep` in it does. Needs root and util-linux's unshare,
 * nsenter and setpriv; whyUnavailable() says when they are missing.
 */
export class MountNamespace {
  private constructor(
    private readonly anchor: ChildProcess,
    readonly pid: number,
  ) {}

  /** Empty tmpfs (mode 0755, root's) over each of `folders`; `setup` (sh) then runs inside, before anything else. */
  static async open(folders: string[], setup = ''): Promise<MountNamespace> {
    const mounts = folders.map((f) => `mount -t tmpfs -o mode=0755 tmpfs '${f}'`).join(' && ');
    const script = `${mounts}${setup ? ` && ${setup}` : ''} && echo ready && exec sleep 3600`;
    const anchor = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mount namespace not ready in 10 s: ${output}`)), 10_000);
      const seen = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      anchor.stdout?.on('data', seen);
      anchor.stderr?.on('data', seen);
      anchor.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mount namespace setup exited with ${code}: ${output}`));
      });
    });
    return new MountNamespace(anchor, anchor.pid!);
  }

  /** Why the namespace cannot be had on this machine, or undefined. */
  static whyUnavailable(): string | undefined {
    if (process.platform !== 'linux') return 'Linux only';
    if (process.getuid?.() !== 0) return 'needs root (mount namespace, setpriv)';
    for (const tool of ['unshare', 'nsenter', 'setpriv']) {
      if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) return `${tool} (util-linux) is missing`;
    }
    const probe = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs tmpfs /mnt'],
      {
        encoding: 'utf8',
      },
    );
    if (probe.status !== 0) return `cannot mount in a private mount namespace: ${probe.stderr.trim()}`;
    return undefined;
  }

  /**
   * Why `account` cannot run the test's programs (the checkout in a folder other accounts cannot enter, as a 0700
   * temporary one), or undefined. Call after whyUnavailable().
   */
  static unreadableBy(account: { uid: number; gid: number }, files: string[]): string | undefined {
    for (const file of files) {
      const as = [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', 'test', '-r', file];
      if (spawnSync('setpriv', as).status !== 0) return `${file} is not readable by uid ${account.uid}`;
    }
    return undefined;
  }

  /** A path inside the namespace, as this process can reach it. */
  inside(file: string): string {
    return path.join(`/proc/${this.pid}/root`, file);
  }

  /**
   * The arguments of a process started in the namespace (spawn('nsenter', …)): as `account` ({uid, gid}, no
   * supplementary groups) when given, else as root; in the folder `cwd` (a path in the namespace), else in /. Paths
   * must be absolute.
   */
  command(program: string, args: string[], account?: { uid: number; gid: number }, cwd = '/'): string[] {
    const as = account
      ? ['setpriv', `--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', program]
      : [program];
    return ['-t', String(this.pid), '-m', `--wdns=${cwd}`, '--', ...as, ...args];
  }

  close(): void {
    this.anchor.kill('SIGKILL');
  }
}

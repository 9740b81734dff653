import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type SidecarConfig } from '../config';
import { loadSyncConfig } from './sync-config';

/**
 * A file or folder on the way to a trusted sync key that another local account could rewrite or replace: with it
 * they could put their own key in and have this workstation accept a library they signed (rules switched off).
 */
export interface UnsafeKeyPath {
  path: string;
  /** What it is to the sync: a key file, the config file that names the keys, or a folder holding either. */
  role: 'key file' | 'config file' | 'folder';
  /** The permission bits in octal, as `ls -l` and chmod write them: "0664", "1777". */
  mode: string;
  uid: number;
  /** Why it is unsafe, e.g. "writable by group and others", "owned by uid 1001". */
  problem: string;
  /** The command that makes it safe. */
  fix: string;
  /** The whole warning, as logged at start. */
  warning: string;
}

/** Who may write the sync keys: null where it is not checked (Windows: a mode says nothing there). */
export type KeyFileSafety = UnsafeKeyPath[] | null;

const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;
const STICKY = 0o1000;

/**
 * The sync key files and the config file, and every folder from theirs up to the root, checked for a writer other
 * than root and this account (POSIX mode bits and owner only: no ACL, no shell-out). Refused, naming each path, when
 * sync.requireSafeKey / PREALERT_SYNC_REQUIRE_SAFE_KEY is on; otherwise only said, because refusing would stop the
 * reminders on every workstation whose IT set loose modes. Nothing is checked while no key is configured: no bundle
 * is then trusted, and a key added later is checked at the start that reads it.
 */
export function checkKeyFileSafety(
  config: SidecarConfig,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  ownUid: number | undefined = process.getuid?.(),
): KeyFileSafety {
  if (platform === 'win32' || ownUid === undefined) return null;
  let sync: ReturnType<typeof loadSyncConfig>;
  try {
    sync = loadSyncConfig(env, config.sync);
  } catch {
    // A bad sync setting is refused where the sync is set up (serve refuses it before createServer): this check
    // only asks who could replace the keys, and has none to check.
    return [];
  }
  if (sync.publicKeyFiles.length === 0) return [];
  const targets: { file: string; role: 'key file' | 'config file' }[] = [
    ...sync.publicKeyFiles.map((file) => ({ file, role: 'key file' as const })),
    ...(config.configFile === undefined ? [] : [{ file: config.configFile, role: 'config file' as const }]),
  ];
  const seen = new Set<string>();
  const unsafe: UnsafeKeyPath[] = [];
  for (const { file, role } of targets) {
    const named = role === 'key file' ? 'sync key file' : 'config file';
    for (const [entry, entryRole] of pathsToCheck(file, role)) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      const what = entryRole === 'folder' ? `folder ${entry} (holding ${named} ${file})` : `${named} ${entry}`;
      const found = unsafeEntry(entry, entryRole, what, ownUid);
      if (found !== undefined) unsafe.push(found);
    }
  }
  if (sync.requireSafeKey && unsafe.length > 0)
    throw new ConfigError(
      `${sync.requireSafeKeySetting} is on, so the start is refused: ${unsafe.map((u) => u.warning).join('; and ')}`,
    );
  return unsafe;
}

/**
 * The file, then each folder up to the root; the same for where it really is when a symbolic link is on the way,
 * since replacing the link's target is as good as replacing the link.
 */
function pathsToCheck(file: string, role: 'key file' | 'config file'): [string, UnsafeKeyPath['role']][] {
  const chain = (start: string): [string, UnsafeKeyPath['role']][] => {
    const out: [string, UnsafeKeyPath['role']][] = [[start, role]];
    let dir = path.dirname(start);
    for (;;) {
      out.push([dir, 'folder']);
      const parent = path.dirname(dir);
      if (parent === dir) return out;
      dir = parent;
    }
  };
  const given = path.resolve(file);
  let real = given;
  try {
    real = fs.realpathSync(given);
  } catch {
    // Gone since serve read it: the folders of the path as given are still checked.
  }
  return real === given ? chain(given) : [...chain(given), ...chain(real)];
}

function unsafeEntry(
  entry: string,
  role: UnsafeKeyPath['role'],
  what: string,
  ownUid: number,
): UnsafeKeyPath | undefined {
  let stat: fs.Stats;
  try {
    // The entry itself, not what it points to: a link's owner can point it elsewhere, even in a sticky folder such
    // as /tmp. Where it points is checked on its own (pathsToCheck).
    stat = fs.lstatSync(entry);
  } catch {
    return undefined;
  }
  const link = stat.isSymbolicLink();
  const mode = stat.mode & 0o7777;
  const problems: string[] = [];
  // A link's own mode is meaningless (always 0777 on Linux): only its owner and its folder can change it.
  const writers = link
    ? []
    : [mode & GROUP_WRITE && !privateGroup(stat, ownUid) ? 'group' : '', mode & OTHER_WRITE ? 'others' : ''].filter(
        Boolean,
      );
  // A sticky folder (/tmp) lets no other account rename or remove an entry it does not own; the entry's own owner is
  // checked in turn.
  const stickyFolder = stat.isDirectory() && (mode & STICKY) !== 0;
  if (writers.length > 0 && !stickyFolder) problems.push(`writable by ${writers.join(' and ')}`);
  const foreignOwner = stat.uid !== 0 && stat.uid !== ownUid;
  if (foreignOwner)
    problems.push(
      `${link ? 'a symbolic link ' : ''}owned by uid ${stat.uid}, neither root nor this account (uid ${ownUid})`,
    );
  if (problems.length === 0) return undefined;
  const fixes = [
    ...(foreignOwner ? [`chown ${link ? '-h ' : ''}root ${entry} (or the account prealert runs as)`] : []),
    ...(writers.length > 0 && !stickyFolder ? [`chmod go-w ${entry}`] : []),
  ];
  const shown = { mode: mode.toString(8).padStart(4, '0'), problem: problems.join(' and '), fix: fixes.join(' and ') };
  return {
    path: entry,
    role,
    ...shown,
    uid: stat.uid,
    warning: `${what} is ${shown.problem} (mode ${shown.mode}, owner uid ${stat.uid}): another account on this machine could put in its own key and have this workstation accept a library it signed; ${shown.fix}`,
  };
}

/**
 * Whether group write lets no other account in: the group is root's (gid 0) or the owner's own private group (gid
 * equal to the owner's uid, as UOS, Kylin and Debian create one per user with umask 002, so that every file IT
 * creates there is group-writable), with no members listed in /etc/group beside its owner's primary membership. The
 * owner must be root or this account (another owner is flagged anyway). A group /etc/group does not list (a
 * directory service) is taken as private by that convention.
 */
function privateGroup(stat: fs.Stats, ownUid: number): boolean {
  if (stat.uid !== 0 && stat.uid !== ownUid) return false;
  if (stat.gid !== 0 && stat.gid !== stat.uid) return false;
  return groupMembers(stat.gid).length === 0;
}

function groupMembers(gid: number): string[] {
  let groups: string;
  try {
    groups = fs.readFileSync('/etc/group', 'utf8');
  } catch {
    return [];
  }
  for (const line of groups.split('\n')) {
    const [, , id, members] = line.split(':');
    if (id !== undefined && Number(id) === gid && id.trim() !== '')
      return (members ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '');
  }
  return [];
}

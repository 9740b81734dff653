import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from './durable-files';
import { isWholeIdNumber } from './id-numbers';
import { OWNER_ONLY_DIR } from './owner-only';

export const SECRET_FILE_NAME = 'install.secret';

/**
 * Reads the per-install secret, creating it on first start. Records key patients by HMAC(secret, patn_id) so
 * a copied database cannot be joined back to people without this file, which never leaves the workstation.
 * `recordsFile`: the records database's file name when it already holds rows keyed by a secret; then an absent or
 * empty file stops the start, as a new secret would make every patient a second one, and the install a new one for
 * the platform.
 */
export function loadInstallSecret(dataDir: string, recordsFile?: string): Buffer {
  const file = path.join(dataDir, SECRET_FILE_NAME);
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined && text.trim() !== '') return decodeSecret(text, file);
  if (recordsFile !== undefined)
    throw new Error(
      `${file} is ${text === undefined ? 'missing' : 'empty'} but ${recordsFile} beside it holds records keyed by it: ` +
        `restore ${SECRET_FILE_NAME} from a backup of this data dir, or move ${recordsFile} (and its -wal file) away ` +
        'to start afresh',
    );
  // Absent, or empty with no records: an earlier version wrote it in place, and a power cut during the first start could leave it
  // empty, after which no start would succeed. An empty file holds no secret to keep, so a new one replaces it.
  createSecret(dataDir, file, text !== undefined);
  return decodeSecret(fs.readFileSync(file, 'utf8'), file);
}

/**
 * Writes a fresh secret to a file of its own, flushed to disk, and only then gives it the real name, so the name
 * never points at a partial secret. A hard link keeps the first writer's secret when two processes start at once
 * (the second link fails and the second process reads the first one's); `replace` (an empty file is there) renames
 * over it instead. The directory entry is flushed too where the platform allows it.
 */
function createSecret(dataDir: string, file: string, replace: boolean): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: OWNER_ONLY_DIR });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    if (replace) fs.renameSync(temp, file);
    else linkOnce(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  fsyncDir(dataDir);
}

function linkOnce(temp: string, file: string): void {
  try {
    fs.linkSync(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    // A file system without hard links: rename, unless another process got there first.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    if (!fs.existsSync(file)) fs.renameSync(temp, file);
  }
}

function decodeSecret(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${file} is not a 64-hex-digit secret`);
  return Buffer.from(hex, 'hex');
}

export class PatientPseudonymizer {
  /** Identifies this install to the 数据归集 platform without revealing the secret. */
  readonly installId: string;

  constructor(private readonly secret: Buffer) {
    this.installId = createHmac('sha256', secret).update('prealert install id').digest('hex').slice(0, 16);
  }

  /** Stable, keyed pseudonym of a patn_id (in the form patientIdAsKeyed gives it). */
  key(patientId: string): string {
    return createHmac('sha256', this.secret).update(patientIdAsKeyed(patientId)).digest('base64url').slice(0, 22);
  }

  /**
   * The stored form of a task_id that names the patient: keyed like a patn_id (and apart from one: the same text
   * as patn_id and as task_id gives two keys), so that the task is found again by the task_id the HIS asks with,
   * and a copied database does not tell whose task it was. `~` starts it, as no masked task_id starts.
   */
  taskKey(taskId: string): string {
    return `~${createHmac('sha256', this.secret).update('prealert task id\0').update(taskId).digest('base64url').slice(0, 22)}`;
  }

  /**
   * The keyed digest of a patient name a 3101/3102 carried (patient-name-digests.ts), apart from every other key:
   * a 3103 reason is searched for the name by it, and a copied database does not tell the name.
   */
  nameKey(name: string): string {
    return createHmac('sha256', this.secret)
      .update('prealert patient name\0')
      .update(name)
      .digest('base64url')
      .slice(0, 22);
  }

  /**
   * The stored form of a department or doctor code that is an ID number or holds the patient's name
   * (store/staff-fields.ts): keyed, apart from patn_id and task_id keys, and `~`-led as taskKey's. Keyed in one
   * written form (codeAsKeyed), so that one doctor is one doctor whichever HIS screen filled the code.
   */
  codeKey(code: string): string {
    return `~${createHmac('sha256', this.secret).update('prealert staff code\0').update(codeAsKeyed(code)).digest('base64url').slice(0, 22)}`;
  }
}

/**
 * An 18-character ID number written as one word whose check character is a lower-case x, in ASCII or full-width
 * characters as maskIdNumbers reads them (id-numbers.ts): the same number as with X, which is how GB 11643 writes it.
 */
const LOWER_CASE_CHECK = /(?<![0-9\uFF10-\uFF19])([0-9\uFF10-\uFF19]{17})([x\uFF58])(?![0-9\uFF10-\uFF19])/g;

/**
 * The form of a code that is keyed: trimmed (decidingOperator trims a 3103's opter, and a 3101's dr_codg from a
 * fixed-width column must key as the same doctor), and an ID number's check character upper-cased (one HIS screen
 * fills 身份证号 with x, another with X). A code already in this form, as every upper-case-X or digits-only ID number
 * is, keys exactly as before this was done, so stored pseudonyms stay the doctor's.
 */
export function codeAsKeyed(code: string): string {
  return code.trim().replace(LOWER_CASE_CHECK, (_, digits: string, x: string) => digits + (x === 'x' ? 'X' : '\uFF38'));
}

/**
 * The form of a patn_id that is keyed: a resident ID number whose check character came as a lower-case x (one HIS
 * module fills 身份证号 with x, another with X) is keyed with X, so that the patient's earlier decisions and figures
 * are one patient's. Only a patn_id that is an ID number as a whole (isWholeIdNumber) is changed: another HIS's
 * patient number ending in x is its own, and a patn_id already in this form keys exactly as before. Reminders stored
 * before this was done keep the key of the x they came with.
 */
export function patientIdAsKeyed(patientId: string): string {
  if (patientId.length !== 18 || patientId[17] !== 'x') return patientId;
  const upper = `${patientId.slice(0, 17)}X`;
  return isWholeIdNumber(upper) ? upper : patientId;
}

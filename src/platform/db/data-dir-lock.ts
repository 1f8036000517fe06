import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { AppError } from '../../lib/errors/index.js';

/** A held lock on an embedded data folder; `release` frees it. */
export interface DataDirLock {
  readonly file: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it still holds the folder.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function ownedByUs(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').trim() === String(process.pid);
  } catch {
    return false;
  }
}

// SECURITY/INVARIANT: PGlite has no lock of its own (it writes a postmaster.pid with a fake pid), and two processes on
// one data folder corrupt it and die with `Aborted()`. So the opener holds `<folder>.lock`, created exclusively and
// holding its pid. A lock whose pid no longer runs is stale (a crash) and is taken over. A recycled pid would make a
// stale lock look held; the message names the pid so the operator can check and delete the file.
/**
 * Locks the embedded data folder `dir` for this process, or throws `db.data_dir_in_use` naming the folder and
 * the pid of the process that holds it.
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      const releaseOnExit = () => {
        if (ownedByUs(file)) unlinkSync(file);
      };
      process.once('exit', releaseOnExit);
      return {
        file,
        async release() {
          process.removeListener('exit', releaseOnExit);
          if (ownedByUs(file)) await unlink(file).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = await readPid(file);
    if (pid !== undefined && isAlive(pid)) {
      throw new AppError('db.data_dir_in_use', {
        publicMessage: `the data folder ${dir} is in use by process ${pid}${pid === process.pid ? ' (this process)' : ''}; stop that process, or set BULWARK_DATA_DIR to another folder (a stale lock is ${file})`,
        details: { data_dir: dir, pid, lock_file: file },
      });
    }
    // Stale (or half-written) lock: remove it and try again; another opener racing us gets EEXIST and re-checks.
    await unlink(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  throw new AppError('db.data_dir_in_use', {
    publicMessage: `could not lock the data folder ${dir}: its lock file ${file} keeps changing`,
    details: { data_dir: dir, lock_file: file },
  });
}

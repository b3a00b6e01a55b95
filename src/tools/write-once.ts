/**
 * Generated fixtures are shared by test files running side by side: each is
 * written under a unique temporary name and renamed into place, so a reader
 * never sees half a file. Two writers of the same seed produce the same
 * bytes, so whichever rename lands last changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Returns `finalPath`, first calling `write(tempPath)` if it does not exist yet. */
export async function writeOnce(
  finalPath: string,
  write: (tempPath: string) => Promise<void>,
): Promise<string> {
  if (await exists(finalPath)) return finalPath;

  await mkdir(path.dirname(finalPath), { recursive: true });
  const tempPath = `${finalPath}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await write(tempPath);
    await rename(tempPath, finalPath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  return finalPath;
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await access(filePath);
    return true;
  } catch {
    return false;
  }
}

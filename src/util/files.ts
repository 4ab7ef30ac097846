import { access } from 'node:fs/promises';

/** The code of a failed file operation (`ENOENT`, `EACCES`, …), or its message when it has none. */
export function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? (e instanceof Error ? e.message : String(error));
}

/** Whether something (a file, a folder, a link that resolves) is at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

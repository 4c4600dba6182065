import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MvtepError, errorMessage } from './errors.ts';

/** A set of files that could not be written; nothing of it was left behind. */
export class WriteFilesError extends MvtepError {}

/**
 * Writes every file into `dir`, all or nothing: each target is checked
 * first (a directory or other non-file in the way fails before anything is
 * written), contents go to temp files, then each temp is renamed over its
 * target with the old file kept aside until all renames succeeded. On any
 * failure the renamed files are put back and the temps removed.
 */
export async function writeFilesAtomically(dir: string, files: readonly { name: string; content: string }[], mode = 0o600): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const st = await lstat(join(dir, f.name)).catch(() => undefined);
    if (st && !st.isFile()) {
      throw new WriteFilesError('write-target-not-a-file', `${join(dir, f.name)} exists and is not a regular file: nothing written`, join(dir, f.name));
    }
  }
  const tag = `.mvtep-${process.pid}-${Date.now()}`;
  const temps = files.map((f) => join(dir, `.${f.name}${tag}.new`));
  const olds = files.map((f) => join(dir, `.${f.name}${tag}.old`));
  const kept: number[] = [];
  const done: number[] = [];
  try {
    for (const [i, f] of files.entries()) await writeFile(temps[i]!, f.content, { mode, flag: 'wx' });
    for (const [i, f] of files.entries()) {
      const target = join(dir, f.name);
      if (await lstat(target).then(() => true, () => false)) {
        await rename(target, olds[i]!);
        kept.push(i);
      }
      await rename(temps[i]!, target);
      done.push(i);
    }
  } catch (err) {
    // Undo in reverse: the new files go, the old ones come back.
    for (const i of done.reverse()) await rm(join(dir, files[i]!.name), { force: true });
    for (const i of kept) await rename(olds[i]!, join(dir, files[i]!.name)).catch(() => {});
    for (const t of temps) await rm(t, { force: true });
    throw new WriteFilesError('write-files-failed', `writing ${files.length} file(s) to ${dir} failed, nothing written: ${errorMessage(err)}`, dir, { cause: err });
  }
  for (const i of kept) await rm(olds[i]!, { force: true });
}

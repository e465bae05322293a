import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Named blobs a campaign keeps beside its records (checkpoints of training runs), never in job
 * return values or Redis. Keys are relative names such as `trial-7/epoch-3.ckpt`; the interface
 * is small so that an object store can stand in for the files.
 */
export interface ArtifactStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

/** A key: path segments of letters, digits, '.', '_' and '-', none of them '.' or '..'. */
const KEY = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Artifacts as files under one directory (the campaign's); a key cannot lead outside it. */
export class FileArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private file(key: string): string {
    if (!KEY.test(key) || key.length > 512)
      throw new Error(
        `artifact key "${key}" is not a relative name of letters, digits, '.', '_', '-' and '/'`,
      );
    return path.join(this.root, key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Written whole or not at all: a reader never sees half a checkpoint.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, file);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error(`no artifact ${key} in ${this.root}`);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }
}

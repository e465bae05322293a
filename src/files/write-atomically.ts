import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Writes `file` from its pieces in one step a reader can see: into a partial file of this writer's
 * own, then renamed over it. Two writers of one file (a driver that lost its lock while Redis was
 * away and its successor both write the report) each rename a whole file, the last one winning;
 * with one shared partial name they once truncated and overwrote each other's bytes, and a
 * report.json ended with the tail of the other's (hardening test, stop 42).
 */
export async function writeAtomically(
  file: string,
  pieces: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  const partial = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.partial`;
  try {
    await pipeline(Readable.from(pieces), createWriteStream(partial));
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

import { promises as fs } from 'node:fs';
import path from 'node:path';

/** null when the folder can be created and written, else what went wrong. */
export async function ensureWritable(dir: string): Promise<string | null> {
  try {
    await fs.mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    await fs.writeFile(probe, 'ok');
    await fs.rm(probe);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

import { createReadStream, promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';

/** What a value's manifest (`<name>.json`, written by the step runtime) says about its data file. */
interface ValueManifest {
  file?: unknown;
  size?: unknown;
  crc32?: unknown;
}

/** The CRC-32 of a file, read in streamed blocks (zlib.crc32, as the runtime's `_crc32`). */
async function fileCrc32(path: string): Promise<number> {
  let crc = 0;
  for await (const block of createReadStream(path, { highWaterMark: 8 << 20 })) {
    crc = crc32(block as Buffer, crc);
  }
  return crc;
}

/**
 * The values of a step's output folder whose data file no longer matches its manifest (missing,
 * another size, another crc32), each as "NAME: what is wrong"; empty when every value is intact.
 * Manifests written before crc32 are checked by size only.
 */
export async function damagedValues(folder: string): Promise<string[]> {
  const damaged: string[] = [];
  for (const entry of await fs.readdir(folder)) {
    if (entry.startsWith('.') || !entry.endsWith('.json')) {
      continue;
    }
    const name = entry.slice(0, -'.json'.length);
    let manifest: ValueManifest;
    try {
      manifest = JSON.parse(await fs.readFile(join(folder, entry), 'utf8')) as ValueManifest;
    } catch (error) {
      damaged.push(`${name}: its manifest is unreadable (${(error as Error).message})`);
      continue;
    }
    if (typeof manifest.file !== 'string' || basename(manifest.file) !== manifest.file) {
      damaged.push(`${name}: its manifest names no data file in the folder`);
      continue;
    }
    const path = join(folder, manifest.file);
    const size = await fs.stat(path).then(
      stat => stat.size,
      () => undefined
    );
    if (size === undefined || size !== manifest.size) {
      damaged.push(`${name}: its data file is ${size === undefined ? 'missing' : `${size} bytes, the manifest says ${String(manifest.size)}`}`);
    } else if (typeof manifest.crc32 === 'number' && (await fileCrc32(path)) !== manifest.crc32) {
      damaged.push(`${name}: its data file does not match the manifest's crc32`);
    }
  }
  return damaged;
}

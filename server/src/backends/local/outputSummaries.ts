import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputSummary } from '../../../../src/core/run/api';

/**
 * The values saved in one step's data folder, from their manifests (`<name>.json`, written last by
 * the runtime); a manifest still being written is left out.
 */
export function readOutputSummaries(stepDataDir: string): OutputSummary[] {
  if (!existsSync(stepDataDir)) {
    return [];
  }
  return readdirSync(stepDataDir)
    .filter(file => file.endsWith('.json') && !file.startsWith('.'))
    .sort()
    .flatMap(file => {
      try {
        const manifest = JSON.parse(readFileSync(join(stepDataDir, file), 'utf8'));
        return [
          {
            name: file.slice(0, -'.json'.length),
            type: typeof manifest.type === 'string' ? manifest.type : null,
            serializer: typeof manifest.serializer === 'string' ? manifest.serializer : null,
            bytes: typeof manifest.size === 'number' ? manifest.size : null
          }
        ];
      } catch {
        return [];
      }
    });
}

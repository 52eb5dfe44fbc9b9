/** Node's zlib as the compilers' gzip (core/compile/cluster/stepPayload.ts): native, ~8x as fast as the core's own in a fresh process. */
import { gzipSync } from 'node:zlib';
import type { Gzip } from '../../src/core/compile/cluster/stepPayload';

export const nodeGzip: Gzip = data => gzipSync(data, { level: 9 });

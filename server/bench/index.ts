// `npm run bench`: runs every benchmark in this folder and prints its figures.
import { runAnalysisBenchmark } from './analysis';
import { runLocalRunBenchmark } from './localRun';
import { runCompileBenchmark } from './compile';

async function main(): Promise<void> {
  process.stdout.write('cellpipe benchmarks\n');
  for (const line of [...runAnalysisBenchmark(), ...runCompileBenchmark()]) {
    process.stdout.write(line + '\n');
  }
  (await runLocalRunBenchmark()).forEach(line => process.stdout.write(line + '\n'));
}

void main();

// `npm run bench`: runs every benchmark in this folder and prints its figures.
import { runAnalysisBenchmark } from './analysis';

async function main(): Promise<void> {
  process.stdout.write('cellpipe benchmarks\n');
  for (const line of runAnalysisBenchmark()) {
    process.stdout.write(line + '\n');
  }
}

void main();

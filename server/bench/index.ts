// `npm run bench`: runs every benchmark in this folder and prints its figures.
// `npm run bench -- startup analysis` runs only those named (analysis, compile, startup, kale, localRun, runAll, cellOutputs, environments, fanOut).
// kale installs Kale 2.3 into a venv under cellpipe's cache home the first time (PyPI).
// environments needs pip's package index (PyPI): without it, it prints that it was skipped and why.
import { runAnalysisBenchmark } from './analysis';
import { runCellOutputsBenchmark } from './cellOutputs';
import { runLocalRunBenchmark } from './localRun';
import { runRunAllBenchmark } from './runAll';
import { runCompileBenchmark } from './compile';
import { runEnvironmentsBenchmark } from './environments';
import { runFanOutBenchmark } from './fanOut';
import { runKaleBenchmark } from './kale';
import { inProcessTimes, runStartupBenchmark } from './startup';

const BENCHMARKS: Record<string, () => string[] | Promise<string[]>> = {
  analysis: () => runAnalysisBenchmark(),
  compile: () => runCompileBenchmark(),
  startup: () => runStartupBenchmark(),
  kale: () => runKaleBenchmark(),
  localRun: () => runLocalRunBenchmark(),
  runAll: () => runRunAllBenchmark(),
  cellOutputs: () => runCellOutputsBenchmark(),
  environments: () => runEnvironmentsBenchmark(),
  fanOut: () => runFanOutBenchmark()
};

async function main(args: string[]): Promise<void> {
  if (args[0] === '--startup-in-process') {
    // A fresh process of the start-up benchmark's, for cold in-process times.
    process.stdout.write(JSON.stringify(inProcessTimes(args[1], args[2])) + '\n');
    return;
  }
  const unknown = args.filter(name => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    throw new Error(`no benchmark ${unknown.join(', ')}: choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  }
  process.stdout.write('cellpipe benchmarks\n');
  for (const [name, run] of Object.entries(BENCHMARKS)) {
    if (args.length === 0 || args.includes(name)) {
      (await run()).forEach(line => process.stdout.write(line + '\n'));
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

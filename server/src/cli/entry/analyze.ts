// Entry of cellpipe-analyze.cjs: `cellpipe analyze` alone (see bundles.ts).
import { registerAnalyze } from '../analyze';
import { rootCommand } from './rootCommand';
import { runCli } from './runCli';

const program = rootCommand();
registerAnalyze(program);
runCli(program);

// Entry of cellpipe-compile.cjs: `cellpipe compile` alone (see bundles.ts).
import { registerCompile } from '../compile';
import { rootCommand } from './rootCommand';
import { runCli } from './runCli';

const program = rootCommand();
registerCompile(program);
runCli(program);

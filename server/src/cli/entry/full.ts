// Entry of cellpipe-full.cjs: every command (see bundles.ts).
import { createProgram } from '../program';
import { runCli } from './runCli';

runCli(createProgram());

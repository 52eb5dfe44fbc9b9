import { Command } from 'commander';
import { VERSION } from '../../version';

/**
 * The `cellpipe` program without its commands: what every bundle shares, so a command's `--help`,
 * usage errors and exit codes are the same from its own bundle as from the full one.
 */
export function rootCommand(): Command {
  return new Command()
    .name('cellpipe')
    .description('Turn a tagged Jupyter notebook into a pipeline: analyse, compile, run.')
    .version(VERSION)
    .showHelpAfterError();
}

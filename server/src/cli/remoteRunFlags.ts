import type { Command } from 'commander';

/** The flags of `cellpipe run --backend kubernetes|kfp`. */
export interface RemoteRunFlags {
  namespace?: string;
  image?: string;
  kfpHost?: string;
  kfpToken?: string;
  kfpCookie?: string;
}

export function withRemoteRunFlags(command: Command): Command {
  return command
    .option('--namespace <ns>', "kubernetes: namespace of the Workflow (default: the kubeconfig context's)")
    .option('--image <ref>', 'kubernetes, kfp: image of steps without an image: tag or notebook image')
    .option('--kfp-host <url>', 'kfp: URL of the Kubeflow Pipelines API (or $KFP_HOST)')
    .option('--kfp-token <token>', 'kfp: bearer token (or $KFP_TOKEN)')
    .option('--kfp-cookie <cookie>', 'kfp: session cookie, e.g. authservice_session=... (or $KFP_COOKIE)');
}

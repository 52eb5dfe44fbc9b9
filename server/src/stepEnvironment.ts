/**
 * The environment a local step's process starts with: what the notebook's kernel would have (this
 * process's environment: PATH, HOME, LANG, PYTHONPATH, CUDA_*, the user's own variables...) minus
 * the credentials of cellpipe and Jupyter, plus the run's runtime variables. User code runs with
 * it, so a token there is a token handed to every library the notebook imports.
 *
 * Every process that runs the user's Python for a step is started with it: the step launcher
 * (backends/local/forkServer.ts, whose forks inherit it), each spawned step (stepProcess.ts) and
 * the probes of which Python a request names (app/pythonCheck.ts).
 */

/** Variables that are credentials of cellpipe, Jupyter or Kubeflow Pipelines: never passed to a step. */
export const CREDENTIAL_VARIABLES: readonly string[] = [
  'CELLPIPE_SECRET', // the service's per-launch secret (cli/serve.ts, jupyterlab_cellpipe/server_proxy.py)
  'JUPYTER_TOKEN', // Jupyter server's login token
  'JUPYTER_PASSWORD',
  'JUPYTERHUB_API_TOKEN', // JupyterHub's token of the single-user server
  'KFP_TOKEN', // Kubeflow Pipelines bearer token (backends/kfp/kfpClient.ts)
  'KFP_COOKIE' // Kubeflow Pipelines session cookie (backends/kfp/kfpClient.ts)
];

/** Prefixes of credential variables: JupyterHub's JPY_API_TOKEN, JPY_COOKIE_SECRET, JPY_... */
export const CREDENTIAL_PREFIXES: readonly string[] = ['JPY_'];

/** Whether `name` is a credential variable a step must not see. */
export function isCredentialVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return CREDENTIAL_VARIABLES.includes(upper) || CREDENTIAL_PREFIXES.some(prefix => upper.startsWith(prefix));
}

/**
 * The environment of a step's process: `base` (default: this process's) without credentials, with
 * `runtime` (the run's CELLPIPE_DATA_DIR, parameters...) and unbuffered output on top. A runtime
 * variable is cellpipe's own: it wins over one of the same name in `base`.
 */
export function stepEnvironment(runtime: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !isCredentialVariable(name)) {
      env[name] = value;
    }
  }
  return { ...env, ...runtime, PYTHONUNBUFFERED: '1' };
}

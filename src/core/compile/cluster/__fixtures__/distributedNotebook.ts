/** A notebook with a distributed step (`workers:4`) whose model a later step serves (`serve:model:X_test`), for the cluster targets' specs. */
export function distributedNotebook(settings: Record<string, unknown> = {}, workersTag = 'workers:4'): unknown {
  const code = (tags: string[], source: string): unknown => ({ cell_type: 'code', metadata: { tags }, source, outputs: [], execution_count: null });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { cellpipe: settings },
    cells: [
      code(['step:load'], 'from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\nX_test = X[:5]'),
      code(
        [`step:train`, workersTag, 'limit:nvidia.com/gpu:1', 'secret:creds:token:API_TOKEN', 'timeout:1h'],
        'import os\nrank = int(os.environ["RANK"])\nseen = len(X) + rank'
      ),
      code(
        ['step:fit', 'serve:model:X_test'],
        'from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression(max_iter=200).fit(X, y)\nprint(model.predict(X_test))'
      )
    ]
  };
}

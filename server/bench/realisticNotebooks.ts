/**
 * The bench's realistic corpus: notebooks written as scikit-learn's gallery examples are (numpy,
 * pandas, scikit-learn, data made in the notebook: nothing downloaded), each as a list of cells
 * with the step each cell belongs to when cells are grouped. `notebookOf` tags them either way:
 * every cell its own step (the hardest case for a pipeline: a boundary after every cell), or
 * grouped as a person would.
 */

export interface BenchCell {
  /** The step of the grouped variant; undefined: the `imports` cell. */
  group?: string;
  source: string;
}

export interface RealisticNotebook {
  name: string;
  cells: BenchCell[];
}

const IMPORTS = (lines: string[]): BenchCell => ({ source: lines.join('\n') });

export const REALISTIC_NOTEBOOKS: RealisticNotebook[] = [
  {
    // sklearn's "Classifier comparison": one dataset, several models fitted side by side.
    name: 'classifier_comparison',
    cells: [
      IMPORTS([
        'import numpy as np',
        'from sklearn.datasets import make_classification',
        'from sklearn.model_selection import train_test_split',
        'from sklearn.preprocessing import StandardScaler',
        'from sklearn.linear_model import LogisticRegression',
        'from sklearn.ensemble import RandomForestClassifier, ExtraTreesClassifier',
        'from sklearn.svm import SVC',
        'from sklearn.neighbors import KNeighborsClassifier'
      ]),
      {
        group: 'data',
        source: 'X, y = make_classification(n_samples=4000, n_features=30, n_informative=12, random_state=0)\nprint(X.shape, y.mean())'
      },
      { group: 'data', source: 'X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)' },
      { group: 'data', source: 'scaler = StandardScaler().fit(X_train)\nXs_train, Xs_test = scaler.transform(X_train), scaler.transform(X_test)' },
      { group: 'linear', source: 'logreg = LogisticRegression(max_iter=2000).fit(Xs_train, y_train)\nlogreg_score = logreg.score(Xs_test, y_test)' },
      {
        group: 'forest',
        source: 'forest = RandomForestClassifier(n_estimators=150, random_state=0).fit(X_train, y_train)\nforest_score = forest.score(X_test, y_test)'
      },
      {
        group: 'trees',
        source: 'trees = ExtraTreesClassifier(n_estimators=150, random_state=0).fit(X_train, y_train)\ntrees_score = trees.score(X_test, y_test)'
      },
      { group: 'svm', source: 'svm = SVC(C=1.0).fit(Xs_train, y_train)\nsvm_score = svm.score(Xs_test, y_test)' },
      { group: 'knn', source: 'knn = KNeighborsClassifier(15).fit(Xs_train, y_train)\nknn_score = knn.score(Xs_test, y_test)' },
      {
        group: 'report',
        source:
          'scores = {"logreg": logreg_score, "forest": forest_score, "trees": trees_score, "svm": svm_score, "knn": knn_score}\n' +
          'for name, score in sorted(scores.items(), key=lambda kv: -kv[1]):\n    print(f"{name:8s} {score:.3f}")'
      }
    ]
  },
  {
    // A pandas feature-engineering chain ending in a regression: no branch to run in parallel.
    name: 'sales_features',
    cells: [
      IMPORTS(['import numpy as np', 'import pandas as pd', 'from sklearn.linear_model import Ridge', 'from sklearn.metrics import r2_score']),
      {
        group: 'load',
        source:
          'rng = np.random.default_rng(0)\nn = 300_000\n' +
          'sales = pd.DataFrame({"store": rng.integers(0, 50, n), "day": rng.integers(0, 365, n), "price": rng.uniform(1, 20, n), "units": rng.poisson(5, n)})\n' +
          'print(len(sales))'
      },
      { group: 'features', source: 'sales["revenue"] = sales["price"] * sales["units"]\nsales["week"] = sales["day"] // 7' },
      {
        group: 'features',
        source:
          'weekly = sales.groupby(["store", "week"], as_index=False).agg(revenue=("revenue", "sum"), units=("units", "sum"), price=("price", "mean"))'
      },
      { group: 'features', source: 'weekly["lag_revenue"] = weekly.groupby("store")["revenue"].shift(1)\nweekly = weekly.dropna()' },
      { group: 'model', source: 'features = weekly[["units", "price", "lag_revenue"]].to_numpy()\ntarget = weekly["revenue"].to_numpy()' },
      {
        group: 'model',
        source: 'model = Ridge(alpha=1.0).fit(features, target)\nr2 = r2_score(target, model.predict(features))\nprint(f"r2 {r2:.3f}")'
      }
    ]
  },
  {
    // sklearn's digits examples: a projection, then models and a clustering on it.
    name: 'digits_models',
    cells: [
      IMPORTS([
        'import numpy as np',
        'from sklearn.datasets import load_digits',
        'from sklearn.decomposition import PCA',
        'from sklearn.model_selection import cross_val_score',
        'from sklearn.svm import SVC',
        'from sklearn.cluster import KMeans',
        'from sklearn.ensemble import GradientBoostingClassifier'
      ]),
      { group: 'data', source: 'digits = load_digits()\nX, y = digits.data, digits.target\nprint(X.shape)' },
      {
        group: 'data',
        source: 'pca = PCA(n_components=30, random_state=0).fit(X)\nZ = pca.transform(X)\nprint(round(pca.explained_variance_ratio_.sum(), 3))'
      },
      { group: 'svm', source: 'svm_cv = cross_val_score(SVC(gamma="scale"), Z, y, cv=5)\nprint("svm", svm_cv.mean().round(3))' },
      {
        group: 'boost',
        source:
          'boost_cv = cross_val_score(GradientBoostingClassifier(n_estimators=40, random_state=0), Z, y, cv=3)\nprint("boost", boost_cv.mean().round(3))'
      },
      { group: 'clusters', source: 'kmeans = KMeans(n_clusters=10, n_init=4, random_state=0).fit(Z)\nprint("inertia", round(kmeans.inertia_))' },
      { group: 'report', source: 'print({"svm": float(svm_cv.mean()), "boost": float(boost_cv.mean()), "clusters": int(kmeans.n_clusters)})' }
    ]
  }
];

export type Grouping = 'every cell a step' | 'grouped';

/** The notebook as nbformat 4 JSON, tagged one way or the other. */
export function notebookOf(notebook: RealisticNotebook, grouping: Grouping): string {
  const tagsOf = (cell: BenchCell, index: number): string[] =>
    cell.group === undefined ? ['imports'] : [`step:${grouping === 'grouped' ? cell.group : `cell${index}`}`];
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: notebook.cells.map((cell, index) => ({
      cell_type: 'code',
      id: `c${index}`,
      metadata: { tags: tagsOf(cell, index) },
      source: cell.source,
      outputs: [],
      execution_count: null
    }))
  });
}

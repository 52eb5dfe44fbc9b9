import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusCase {
  /** Modules the notebook imports that the test Python may lack. */
  needs?: string[];
  /** `--param` values, given to the pipeline run and applied after the Run All parameters cell. */
  params?: (dir: string) => string[];
  /** Writes the data files the notebook reads (no network in tests). */
  setup?: (dir: string) => void;
  /** Why this notebook cannot be compared; the test is skipped with this reason in its name. */
  skip?: string;
  /**
   * Cells whose outputs differ from Run All's by design (outputs.spec.ts), each with its reason:
   * the spec fails on any other difference, and on a declared one that no longer shows.
   */
  outputDifferences?: Record<number, string>;
}

/** A small, deterministic Titanic-shaped table (Kale's example reads the real one over HTTP). */
function titanicCsv(): string {
  const rows = ['PassengerId,Survived,Pclass,Sex,Age,SibSp,Parch,Fare,Embarked'];
  for (let i = 0; i < 80; i++) {
    const embarked = i % 17 === 0 ? '' : 'SCQ'[i % 3];
    const age = i % 9 === 0 ? '' : String(5 + ((i * 7) % 60));
    rows.push(
      `${i + 1},${(i * 5) % 3 === 0 ? 1 : 0},${1 + (i % 3)},${i % 2 ? 'male' : 'female'},${age},${i % 4},${i % 3},${(10 + ((i * 13) % 90)).toFixed(2)},${embarked}`
    );
  }
  return rows.join('\n') + '\n';
}

/** How each notebook of the corpus is run in the equivalence tests (locally, and on the executing fake Kubernetes). */
export const corpusCases: Record<string, CorpusCase> = {
  'churn_two_models.ipynb': { needs: ['numpy', 'pandas', 'sklearn'], params: () => ['N_TREES=15', 'C=2'] },
  'particle_simulation.ipynb': { needs: ['numpy'], params: () => ['STEPS=30'] },
  'seeded_models.ipynb': { needs: ['numpy', 'pandas', 'sklearn'], params: () => ['N_ROWS=240'] },
  'housing_regression.ipynb': { needs: ['numpy', 'pandas', 'sklearn'], params: () => ['ALPHA=0.5'] },
  // Three evaluations of the same data in parallel (scikit-learn's cross_val_score and metrics leave it alone).
  'model_evaluation.ipynb': { needs: ['numpy', 'sklearn'], params: () => ['N_ROWS=240', 'FOLDS=3'] },
  'kale_titanic.ipynb': {
    needs: ['numpy', 'pandas', 'sklearn'],
    setup: dir => writeFileSync(join(dir, 'titanic.csv'), titanicCsv()),
    params: dir => [`DATA_URL=${join(dir, 'titanic.csv')}`, 'N_ESTIMATORS=20']
  },
  'legacy_blocks.ipynb': {
    setup: dir =>
      writeFileSync(
        join(dir, 'measurements.json'),
        JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ value: i === 7 ? 500 : 10 + (i % 5), ok: i % 6 !== 0 })))
      )
  },
  'magics.ipynb': { skip: '%%time prints wall-clock timings and `!pip install` may need the network' },
  'untagged.ipynb': { needs: ['pandas', 'matplotlib'] },
  'displays.ipynb': { needs: ['pandas', 'matplotlib', 'IPython'], params: () => ['N_ROWS=5'] },
  'train_pipeline.ipynb': { params: () => ['epochs=60', 'learning_rate=0.1'] }
};

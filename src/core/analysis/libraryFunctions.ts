/**
 * Library functions that leave every value passed to them unchanged, by the dotted path an import
 * binds (`from sklearn.model_selection import cross_val_score` binds the name to
 * 'sklearn.model_selection.cross_val_score'). A notebook passes its data to them all the time
 * (`cross_val_score(SVC(), X, y)`, `accuracy_score(y, pred)`): with the conservative rule, each
 * such call would count as changing `X` and `y`, and every model evaluated on the same data would
 * wait for the one before it. scikit-learn's evaluation functions clone the estimator they are
 * given and only read the data; its metrics only read.
 *
 * A name is trusted only where the whole notebook binds it by such an import and nothing else
 * (notebookFunctions.ts, libraryCallees): no assignment, `def`, `global` write or `import *`. So is
 * `module.function`, called through a name the notebook binds only by imports of that module.
 */
const words = (prefix: string, names: string): string[] =>
  names
    .trim()
    .split(/\s+/)
    .map(name => `${prefix}.${name}`);

export const ARGUMENT_PRESERVING_FUNCTIONS: ReadonlySet<string> = new Set([
  ...words(
    'sklearn.model_selection',
    `cross_val_score cross_validate cross_val_predict train_test_split learning_curve validation_curve
     permutation_test_score`
  ),
  ...words(
    'sklearn.metrics',
    `accuracy_score balanced_accuracy_score top_k_accuracy_score average_precision_score brier_score_loss
     classification_report cohen_kappa_score confusion_matrix f1_score fbeta_score hamming_loss hinge_loss
     jaccard_score log_loss matthews_corrcoef multilabel_confusion_matrix precision_recall_curve
     precision_recall_fscore_support precision_score recall_score roc_auc_score roc_curve auc det_curve
     zero_one_loss explained_variance_score max_error mean_absolute_error mean_squared_error
     root_mean_squared_error mean_squared_log_error median_absolute_error mean_absolute_percentage_error
     r2_score d2_absolute_error_score mean_pinball_loss mean_poisson_deviance mean_gamma_deviance
     mean_tweedie_deviance adjusted_mutual_info_score adjusted_rand_score completeness_score
     fowlkes_mallows_score homogeneity_score mutual_info_score normalized_mutual_info_score rand_score
     v_measure_score silhouette_score silhouette_samples calinski_harabasz_score davies_bouldin_score
     pairwise_distances`
  ),
  ...words('sklearn.inspection', 'permutation_importance partial_dependence')
]);

/** Whether the function an import binds (its dotted path) is known to leave its arguments unchanged. */
export function preservesArguments(modulePath: string): boolean {
  return ARGUMENT_PRESERVING_FUNCTIONS.has(modulePath);
}

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('.'));
const lastNameOf = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/**
 * The modules those functions are in (`sklearn.metrics`): a name an import binds to one of them
 * (`from sklearn import metrics`) calls them as attributes (`metrics.accuracy_score(y, pred)`).
 */
const LIBRARY_MODULES: ReadonlySet<string> = new Set([...ARGUMENT_PRESERVING_FUNCTIONS].map(parentOf));

/** The functions' own names: `obj.NAME(...)` may be a call of one through its module. */
const LIBRARY_FUNCTION_NAMES: ReadonlySet<string> = new Set([...ARGUMENT_PRESERVING_FUNCTIONS].map(lastNameOf));

/** Whether an import binds its name to a module of argument-preserving functions. */
export function isLibraryModule(modulePath: string): boolean {
  return LIBRARY_MODULES.has(modulePath);
}

/** Whether `obj.attribute(...)` may call an argument-preserving function of a module `obj` names. */
export function mayBeLibraryFunction(attribute: string): boolean {
  return LIBRARY_FUNCTION_NAMES.has(attribute);
}

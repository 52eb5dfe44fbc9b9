/** Names Python (and IPython, in a notebook) provides without a definition in the notebook. */
export const BUILTINS: ReadonlySet<string> = new Set(
  (
    'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod ' +
    'compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float ' +
    'format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter ' +
    'len license list locals map max memoryview min next object oct open ord pow print property quit ' +
    'range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip ' +
    '__import__ __name__ __doc__ __file__ __builtins__ __spec__ __loader__ __package__ __debug__ ' +
    'NotImplemented Ellipsis ' +
    // exceptions and warnings
    'BaseException BaseExceptionGroup Exception ExceptionGroup ArithmeticError AssertionError ' +
    'AttributeError BlockingIOError BrokenPipeError BufferError ChildProcessError ConnectionError ' +
    'ConnectionAbortedError ConnectionRefusedError ConnectionResetError EOFError EnvironmentError ' +
    'FileExistsError FileNotFoundError FloatingPointError GeneratorExit IOError ImportError ' +
    'IndentationError IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt ' +
    'LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplementedError ' +
    'OSError OverflowError PermissionError ProcessLookupError RecursionError ReferenceError ' +
    'RuntimeError StopAsyncIteration StopIteration SyntaxError SystemError SystemExit TabError ' +
    'TimeoutError TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError ' +
    'UnicodeTranslateError ValueError ZeroDivisionError EncodingWarning Warning UserWarning ' +
    'DeprecationWarning PendingDeprecationWarning SyntaxWarning RuntimeWarning FutureWarning ' +
    'ImportWarning UnicodeWarning BytesWarning ResourceWarning ' +
    // IPython's namespace
    'display get_ipython In Out _ __ ___ _i _ii _iii _oh _dh'
  ).split(' ')
);

/**
 * Builtins that never change their arguments: passing a name to one of these is not a mutation.
 * (`iter`, `next`, `setattr`, `delattr`, `vars`, `open` and the like are left out on purpose.)
 */
export const PURE_BUILTINS: ReadonlySet<string> = new Set(
  (
    'abs all any ascii bin bool bytes callable chr complex dict divmod enumerate filter float format ' +
    'frozenset getattr hasattr hash hex id int isinstance issubclass len list map max min oct ord pow ' +
    'print range repr reversed round set slice sorted str sum tuple type zip display'
  ).split(' ')
);

/**
 * Calls whose effect static analysis cannot see: they may read or bind any module name.
 * (`vars` only without arguments; see opaqueCode.ts.)
 */
export const OPAQUE_CALLS: ReadonlySet<string> = new Set(['exec', 'eval', 'globals', 'locals', 'vars']);

const words = (text: string): ReadonlySet<string> => new Set(text.trim().split(/\s+/));

/**
 * Methods that change neither the object they are called on nor their arguments: the inference
 * and read side of scikit-learn, pandas and numpy, and str/dict/list readers. With them, two steps
 * that only evaluate the same model or summarise the same frame can run in parallel. A call with
 * an `inplace=` or `out=` keyword is never read-only.
 */
export const READ_ONLY_METHODS: ReadonlySet<string> = words(`
  predict predict_proba predict_log_proba decision_function score transform inverse_transform
  get_params get_feature_names_out kneighbors staged_predict
  head tail describe info copy mean median mode sum prod std var sem min max count nunique unique
  value_counts groupby agg aggregate merge join concat astype to_numpy to_list tolist to_dict
  to_frame to_string to_json to_csv to_parquet to_pickle reshape dot round isna isnull notna notnull
  fillna dropna drop drop_duplicates duplicated rename query assign select_dtypes corr cov quantile
  clip abs cumsum cumprod diff pct_change shift sort_values sort_index reset_index set_index pivot
  pivot_table melt stack unstack explode sample nlargest nsmallest equals all any argmax argmin
  idxmax idxmin isin between where mask filter apply map applymap transform_values rolling expanding
  ewm resample get keys values items format split rsplit strip lstrip rstrip lower upper title
  startswith endswith replace find rfind index encode decode flatten ravel squeeze transpose
  astype_str nonzero searchsorted tobytes item
`);

/**
 * Methods that may change the object they are called on but never their arguments: fitting a
 * scikit-learn estimator leaves the training data alone, `xs.append(x)` leaves `x` alone.
 */
export const ARGUMENT_PRESERVING_METHODS: ReadonlySet<string> = words(`
  fit partial_fit fit_transform fit_predict fit_resample set_params set_output
  append extend insert remove add update discard setdefault write writelines
`);

/** Whether a method name is one of the trusted library methods above. */
export function isTrustedMethod(name: string): boolean {
  return READ_ONLY_METHODS.has(name) || ARGUMENT_PRESERVING_METHODS.has(name);
}

/**
 * Builtins whose result holds neither their arguments nor the items of their arguments (numbers,
 * strings, booleans): a loop over `range(len(xs))` is not bound to anything `xs` holds. Builtins
 * that hand items on (`sorted`, `enumerate`, `zip`, `reversed`, `filter`, `max`, `sum(lists, [])`,
 * ...) are left out on purpose.
 */
export const FRESH_VALUE_BUILTINS: ReadonlySet<string> = words(`
  abs ascii bin bool callable chr complex divmod float format hash hasattr hex id int isinstance
  issubclass len oct ord pow range repr round str
`);

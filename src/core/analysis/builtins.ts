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
 * (`vars` only without arguments; see the walker.)
 */
export const OPAQUE_CALLS: ReadonlySet<string> = new Set(['exec', 'eval', 'globals', 'locals', 'vars']);

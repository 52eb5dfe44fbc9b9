/**
 * IPython syntax that is not Python: line magics (`%name`), cell magics (`%%name`), shell escapes
 * (`!cmd`) and help (`obj?`). They are blanked out with spaces before parsing, so every offset in the
 * remaining code still points at the original text; the cell source itself is kept as it is.
 * These are the only regular expressions cellpipe runs over code, and they look at line starts only.
 */

/** Cell magics whose body is Python and runs in the notebook's namespace. */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun']);

/** Line magics that may define names cellpipe cannot see. */
const BINDING_MAGICS = new Set(['run', 'store', 'load', 'macro', 'recall']);

// `%` must be followed by a magic name (a `% x` continuation line is Python's modulo operator).
const LINE_MAGIC = /^([ \t]*)(%%?(?=[A-Za-z_])|!(?!=)|\?\??(?=[A-Za-z_]))(.*)$/;
const ASSIGNED_MAGIC = /^([ \t]*[\p{L}_][\p{L}\p{N}_]*(?:[ \t]*,[ \t]*[\p{L}_][\p{L}\p{N}_]*)*[ \t]*=[ \t]*)(%(?=[A-Za-z_])|!(?!=))(.*)$/u;
const HELP_SUFFIX = /^([ \t]*[\p{L}_][\p{L}\p{N}_.]*)(\?\??)[ \t]*$/u;
const MAGIC_NAME = /^%*([\w.]+)/;

export interface BlankedSource {
  /** The code with magic lines replaced by spaces (same length, same line breaks). */
  code: string;
  /** Names of the magics used (`%matplotlib` -> 'matplotlib', `!` -> '!'), in order of appearance. */
  magics: string[];
  /** Line (1-based) of the first magic, or 0. */
  firstMagicLine: number;
  /** A magic that may define names cellpipe cannot see (`%run`, `%store -r`). */
  bindsUnknownNames: boolean;
  /** The whole cell is a cell magic whose body is not Python (`%%bash`, `%%writefile`). */
  notPython: boolean;
}

const blank = (text: string): string => text.replace(/[^\r\n]/g, ' ');

function magicName(text: string, marker: string): string {
  if (marker === '!') {
    return '!';
  }
  const match = MAGIC_NAME.exec(text);
  return match ? match[1] : marker;
}

export function blankMagics(source: string): BlankedSource {
  const result: BlankedSource = {
    code: source,
    magics: [],
    firstMagicLine: 0,
    bindsUnknownNames: false,
    notPython: false
  };
  // Fast path: most cells have no line starting with a magic marker.
  if (!/(^|\n)[ \t]*[%!?]|=[ \t]*[%!]|\?[ \t]*(\r?\n|$)/.test(source)) {
    return result;
  }
  const lines = source.split('\n');
  const note = (name: string, line: number): void => {
    result.magics.push(name);
    result.firstMagicLine ||= line;
    if (BINDING_MAGICS.has(name)) {
      result.bindsUnknownNames = true;
    }
  };
  const first = /^[ \t]*%%(\S*)/.exec(lines[0] ?? '');
  if (first) {
    note(first[1] || '%%', 1);
    if (!PYTHON_CELL_MAGICS.has(first[1])) {
      result.notPython = true;
      result.code = blank(source);
      return result;
    }
    lines[0] = blank(lines[0]);
  }
  for (let i = first ? 1 : 0; i < lines.length; i++) {
    const line = lines[i];
    const assigned = ASSIGNED_MAGIC.exec(line);
    if (assigned) {
      // `files = !ls` binds `files`: keep the target, stand a literal in for the magic.
      note(magicName(assigned[3], assigned[2]), i + 1);
      lines[i] = assigned[1] + '0' + blank(assigned[3]);
      continue;
    }
    const magic = LINE_MAGIC.exec(line);
    if (magic) {
      note(magicName(magic[3], magic[2]), i + 1);
      lines[i] = magic[1] + blank(magic[2] + magic[3]);
      continue;
    }
    const help = HELP_SUFFIX.exec(line);
    if (help) {
      note('?', i + 1);
      lines[i] = blank(line);
    }
  }
  result.code = lines.join('\n');
  return result;
}

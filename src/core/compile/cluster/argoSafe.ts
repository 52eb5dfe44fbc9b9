/**
 * Keeping user text away from template engines. Argo substitutes `{{...}}` anywhere in a template
 * (script sources included) and has no escape for it; Kubernetes expands `$(VAR)` in env values
 * and in the env var Argo ships a script template in. A Python source cellpipe generates has user
 * text only inside single-quoted string literals written by pyStr/pyLiteral, so inside those
 * literals the second `{` of `{{` is written `\x7b` and the `$` of `$(` is written `\x24`:
 * Python reads the same string, neither engine sees anything to expand, and the rest stays
 * readable.
 */

const EXPANDABLE = /\{\{|\$\(/;

/**
 * Rewrites the characters inside the `quote`-delimited literals of generated text (Python
 * literals by pyStr, JSON strings), leaving escapes (a backslash and the next character) alone.
 * `rewrite` gets a character and the one after it, and returns its replacement and whether it
 * consumed the next one. Returns null when a literal is left open.
 */
export function rewriteLiterals(text: string, quote: string, rewrite: (ch: string, next: string | undefined) => [string, boolean]): string | null {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString && ch === '\\') {
      out += ch + text[++i];
    } else if (ch === quote) {
      inString = !inString;
      out += ch;
    } else if (inString) {
      const [replacement, consumed] = rewrite(ch, text[i + 1]);
      out += replacement;
      i += consumed ? 1 : 0;
    } else {
      out += ch;
    }
  }
  return inString ? null : out;
}

/** Whether every `'` literal of a source is closed, as rewriteLiterals reads them; jumps from quote to quote. */
function literalsClosed(source: string): boolean {
  const inside = /['\\]/g;
  let at = source.indexOf("'");
  while (at >= 0) {
    inside.lastIndex = at + 1;
    let found = inside.exec(source);
    while (found && found[0] === '\\') {
      inside.lastIndex = found.index + 2;
      found = inside.exec(source);
    }
    if (!found) {
      return false;
    }
    at = source.indexOf("'", found.index + 1);
  }
  return true;
}

/**
 * Rewrites `{{` and `$(` inside the single-quoted literals of a Python source made of code
 * cellpipe wrote plus pyStr/pyLiteral output (no other quotes, no apostrophes in comments).
 * Throws if template syntax remains outside literals, which would be a cellpipe bug.
 */
export function shieldPythonLiterals(source: string): string {
  if (!EXPANDABLE.test(source) && literalsClosed(source)) {
    // Nothing to shield (most sources): the character walk below costs ~40 ms a MB.
    return source;
  }
  const out = rewriteLiterals(source, "'", (ch, next) =>
    ch === '{' && next === '{' ? ['{\\x7b', true] : ch === '$' && next === '(' ? ['\\x24', false] : [ch, false]
  );
  if (out === null || EXPANDABLE.test(out)) {
    throw new Error('cellpipe bug: a generated Python source still contains template syntax or an open literal');
  }
  return out;
}

/** Whether Argo would read text as a template reference (`{{`): such text cannot go into a template field. */
export function hasArgoTemplateSyntax(text: string): boolean {
  return text.includes('{{');
}

/** Whether text holds what Argo (`{{`) or Kubernetes (`$(`) would expand. */
export function hasTemplateSyntax(text: string): boolean {
  return EXPANDABLE.test(text);
}

// The Python sources cellpipe bundles as text (the step runtime, the launchers, probes) ship without
// their commentary: comments, and strings standing alone as statements (docstrings). The runtime goes
// into every Workflow and KFP file, where its comments and docstrings were a third of the packed
// size (the 1,000-cell bench notebook's Workflow: ~18 KiB of its ~256).
// Every line stays where it was, so a traceback into a shipped file names the line of the same
// number in its source (in the runtime file, which joins several sources, at a fixed offset). Used by
// the bundle (server/build.mjs) and by Jest (jest-text-transform.js), so tests run the text that
// ships; server/src/lint/shippedPython.spec.ts checks the result with Python's own tokenizer and ast.
const { parser } = require('@lezer/python');

/** Statements of a block (lezer's Body or Script): its children but the colon and comments. */
function statements(block) {
  const found = [];
  for (let child = block.firstChild; child; child = child.nextSibling) {
    if (child.name !== ':' && child.name !== 'Comment') {
      found.push(child);
    }
  }
  return found;
}

/** `source` without its comments and lone strings; what replaces each keeps its newlines. */
function withoutCommentary(source) {
  const cuts = []; // [from, to, replacement], in source order (the tree is walked in that order)
  parser.parse(source).iterate({
    enter(node) {
      if (node.name === 'Comment') {
        cuts.push([node.from, node.to, '']);
        return false;
      }
      if (node.name !== 'ExpressionStatement') {
        return true;
      }
      const only = node.node.firstChild;
      if (!only || only.name !== 'String' || only.nextSibling || only.from !== node.from || only.to !== node.to) {
        return true; // an expression: its comments are cut
      }
      const rest = source.slice(node.to, lineEnd(source, node.to)).trim();
      if (rest !== '' && !rest.startsWith('#')) {
        return false; // `"doc"; x = 1`: removing the string would leave a line starting with `;`
      }
      const alone = statements(node.node.parent).length === 1; // a block must keep a statement
      const newlines = source.slice(node.from, node.to).split('\n').length - 1;
      cuts.push([node.from, node.to, (alone ? 'pass' : '') + '\n'.repeat(newlines)]);
      return false;
    }
  });
  let text = '';
  let at = 0;
  for (const [from, to, replacement] of cuts) {
    const before = source.slice(at, from);
    // (`pass` stands where the string did, indented as it was.)
    text += (replacement.startsWith('pass') ? before : trimLineEnd(before)) + replacement;
    at = to;
  }
  return text + source.slice(at);
}

function lineEnd(source, at) {
  const end = source.indexOf('\n', at);
  return end < 0 ? source.length : end;
}

/** `text` without the spaces and tabs that end it, if they end its last line (before a cut). */
function trimLineEnd(text) {
  return text.replace(/[ \t]+$/, '');
}

module.exports = { withoutCommentary };

// Jest transform: a file imported for its text (the Python step runtime) becomes a module exporting
// that text, as esbuild's `text` loader does in the bundle; Python ships without its commentary, as
// server/build.mjs bundles it (python-commentary.cjs).
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { withoutCommentary } = require('./python-commentary.cjs');

const STRIPPER = readFileSync(require.resolve('./python-commentary.cjs'), 'utf8');

module.exports = {
  process(sourceText, sourcePath) {
    const text = sourcePath.endsWith('.py') ? withoutCommentary(sourceText) : sourceText;
    return { code: `module.exports = ${JSON.stringify(text)};` };
  },
  getCacheKey(sourceText, sourcePath) {
    return createHash('sha256').update(STRIPPER).update('\0').update(sourcePath).update('\0').update(sourceText).digest('hex');
  }
};

// Jest transform: a file imported for its text (the Python step runtime) becomes a module exporting
// that text, as esbuild's `text` loader does in the bundle.
module.exports = {
  process(sourceText) {
    return { code: `module.exports = ${JSON.stringify(sourceText)};` };
  }
};

// Extra bundler rules for the labextension (package.json `jupyterlab.webpackConfig`): the example
// notebooks of examples/ ship inside it as text, for the Launcher.
module.exports = {
  module: {
    rules: [{ test: /\.ipynb$/, type: 'asset/source' }]
  }
};

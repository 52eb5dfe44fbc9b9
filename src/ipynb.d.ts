// The labextension's bundler loads .ipynb files as text (webpack.config.js), as Jest does.
declare module '*.ipynb' {
  const text: string;
  export default text;
}

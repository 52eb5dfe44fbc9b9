// Python files imported by the core are bundled as text (esbuild's text loader, a Jest transform).
declare module '*.py' {
  const source: string;
  export default source;
}

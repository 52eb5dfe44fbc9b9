/**
 * Browser APIs that jsdom lacks and JupyterLab's packages touch when they load or lay out (the
 * gaps @jupyterlab/testutils' jest-shim fills). Only for specs under `@jest-environment jsdom`.
 */
if (typeof window !== 'undefined') {
  const browser = window as unknown as Record<string, unknown>;
  browser.DragEvent ??= class DragEvent extends MouseEvent {};
  browser.matchMedia ??= (media: string) => ({
    matches: false,
    media,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false
  });
  class InertObserver {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
    takeRecords(): [] {
      return [];
    }
  }
  browser.requestIdleCallback ??= (callback: () => void) => setTimeout(callback, 0);
  browser.ResizeObserver ??= InertObserver;
  browser.IntersectionObserver ??= InertObserver;
  if (!navigator.clipboard) {
    Object.defineProperty(navigator, 'clipboard', { value: { readText: async () => '', writeText: async () => undefined } });
  }
}

/**
 * Warnings @jupyter/ydoc and JupyterLab's cell models print through lib0 with this yjs on every
 * cell they create (a cell's text filled before it joins its document, the cell's undo manager
 * scoped across documents): upstream noise that would bury a spec's own output.
 */
const UPSTREAM_YJS_WARNINGS = ['Invalid access: Add Yjs type to a document before reading data.', '[yjs#509] Not same Y.Doc'];
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  if (!args.some(arg => typeof arg === 'string' && UPSTREAM_YJS_WARNINGS.some(text => arg.includes(text)))) {
    warn(...args);
  }
};

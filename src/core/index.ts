// The core: notebook -> analysis -> pipeline -> compile. Pure TypeScript, no DOM, no Node APIs.
export {};

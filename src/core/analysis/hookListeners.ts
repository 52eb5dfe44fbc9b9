/**
 * Dispatch for plug-in hooks (walkHooks.ts, dataflowCheck.ts): per hook, the plug-ins' own
 * implementations, bound and in plug-in order, so an event calls exactly those that implement it.
 */

type Hook<H, K extends keyof H> = Extract<NonNullable<H[K]>, (...args: never[]) => void>;

export type HookListeners<H> = { readonly [K in keyof H]-?: readonly Hook<H, K>[] };

/** @param hooks every hook name of H (a record, so the compiler checks that none is missing) */
export function hookListeners<H extends object>(plugins: readonly H[], hooks: Readonly<Record<keyof H, true>>): HookListeners<H> {
  const listeners: Partial<Record<keyof H, unknown[]>> = {};
  for (const hook in hooks) {
    const list: unknown[] = [];
    for (const plugin of plugins) {
      const method: unknown = plugin[hook];
      if (typeof method === 'function') {
        list.push(method.bind(plugin));
      }
    }
    listeners[hook] = list;
  }
  return listeners as HookListeners<H>;
}

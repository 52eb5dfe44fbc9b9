/** What the specs of issue 15 share: a look at the page in JupyterLab Light and Dark, with axe-core's verdict each time. */
import * as path from 'path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import { SCREENSHOTS } from './notebookPage';

export type ThemeName = 'light' | 'dark';

/**
 * The axe-core rules the panel and the decorated cells must pass: contrast (WCAG AA), names of
 * buttons and controls, ARIA used as specified, focus order and scrollable regions reachable.
 */
export const A11Y_RULES = [
  'color-contrast',
  'button-name',
  'label',
  'link-name',
  'aria-allowed-attr',
  'aria-allowed-role',
  'aria-command-name',
  'aria-hidden-focus',
  'aria-prohibited-attr',
  'aria-required-attr',
  'aria-required-children',
  'aria-required-parent',
  'aria-roles',
  'aria-toggle-field-name',
  'aria-valid-attr',
  'aria-valid-attr-value',
  'nested-interactive',
  'focus-order-semantics',
  'scrollable-region-focusable'
];

/** Runs axe-core on the parts of the page the selectors name; fails with each violation's rule, target and reason. */
export async function expectAccessible(page: IJupyterLabPageFixture, selectors: string[]): Promise<void> {
  let builder = new AxeBuilder({ page }).withRules(A11Y_RULES);
  for (const selector of selectors) {
    builder = builder.include(selector);
  }
  const { violations, passes, incomplete } = await builder.analyze();
  if (process.env.A11Y_DEBUG) {
    console.log(
      JSON.stringify(passes.map(p => [p.id, p.nodes.length])),
      JSON.stringify(
        incomplete.map(v => [v.id, v.nodes.map(n => [n.target.join(' '), n.any.map(a => a.message)])]),
        null,
        1
      ).slice(0, 3000)
    );
  }
  const found = violations.flatMap(v => v.nodes.map(n => `${v.id}: ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`));
  expect(found).toEqual([]);
  // It looked at something: the contrast of text it found.
  expect(passes.some(p => p.id === 'color-contrast' && p.nodes.length > 0)).toBe(true);
}

/**
 * Looks in JupyterLab Light, then Dark (back to Light after): `look` takes screenshots and checks
 * what it must; each theme's accessibility is checked on `a11y` selectors.
 */
export async function inBothThemes(
  page: IJupyterLabPageFixture,
  a11y: string[],
  look: (
    theme: ThemeName,
    shot: (locator: { screenshot(options: { path: string }): Promise<unknown> }, name: string) => Promise<void>
  ) => Promise<void>
): Promise<void> {
  for (const theme of ['light', 'dark'] as ThemeName[]) {
    if (theme === 'dark') {
      await page.theme.setDarkTheme();
    }
    await look(theme, async (locator, name) => {
      await locator.screenshot({ path: path.join(SCREENSHOTS, `${name}${theme === 'dark' ? '-dark' : ''}.png`) });
    });
    await expectAccessible(page, a11y);
  }
  await page.theme.setLightTheme();
}

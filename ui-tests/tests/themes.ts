/** What the specs of issue 15 share: a look at the page in JupyterLab Light and Dark, with axe-core's verdict each time. */
import * as path from 'path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
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

/**
 * Runs axe-core on the parts of the page the selectors name; fails with each violation's rule,
 * target and reason. axe-core leaves notebook cells out of its contrast rule (it finds their text
 * inapplicable, JupyterLab's own code included): `contrastSeen: false` for those, whose contrast
 * expectReadable measures.
 */
export async function expectAccessible(page: IJupyterLabPageFixture, selectors: string[], contrastSeen = true): Promise<void> {
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
  if (contrastSeen) {
    // It looked at something: the contrast of text it found.
    expect(passes.some(p => p.id === 'color-contrast' && p.nodes.length > 0)).toBe(true);
  }
}

/**
 * WCAG contrast of each element's text against what is behind it (its and its ancestors'
 * backgrounds composited, colours read back as the browser paints them): at least 4.5:1 (AA).
 */
export async function expectReadable(texts: Locator): Promise<void> {
  const ratios = await texts.evaluateAll(elements => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    const rgba = (color: string): number[] => {
      context.clearRect(0, 0, 1, 1);
      context.fillStyle = color;
      context.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
      return [r, g, b, a / 255];
    };
    const over = (top: number[], bottom: number[]): number[] => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
    const luminance = (c: number[]): number => {
      const [r, g, b] = c.slice(0, 3).map(v => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return elements.map(element => {
      const layers: number[][] = [];
      // SVG text: its colour is its fill, and the shapes of its group lie behind it.
      const svg = element instanceof SVGElement;
      if (svg) {
        const box = element.getBoundingClientRect();
        const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
        const under = (shape: Element): boolean => {
          const r = shape.getBoundingClientRect();
          return r.left <= x && x <= r.right && r.top <= y && y <= r.bottom;
        };
        const shapes = [...element.parentElement!.querySelectorAll(':scope > rect')].filter(under).reverse();
        layers.push(...shapes.map(shape => rgba(getComputedStyle(shape).fill)).filter(layer => layer[3] > 0));
      }
      for (let node: Element | null = svg ? element.closest('svg') : element; node; node = node.parentElement) {
        const layer = rgba(getComputedStyle(node).backgroundColor);
        if (layer[3] > 0) {
          layers.push(layer);
        }
        if (layers.some(l => l[3] === 1)) {
          break;
        }
      }
      // Layers are listed front to back; an opaque one hides everything behind it.
      layers.splice(layers.findIndex(l => l[3] === 1) + 1 || layers.length);
      const background = layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1]);
      const text = over(rgba(svg ? getComputedStyle(element).fill : getComputedStyle(element).color), background);
      const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
      return { text: element.textContent, ratio: Math.round(((light + 0.05) / (dark + 0.05)) * 100) / 100 };
    });
  });
  expect(ratios.length).toBeGreaterThan(0);
  expect(ratios.filter(r => r.ratio < 4.5)).toEqual([]);
}

/**
 * Looks in JupyterLab Light, then Dark (back to Light after): `look` takes screenshots and checks
 * what it must; each theme's accessibility is checked on `a11y` selectors.
 */
export async function inBothThemes(
  page: IJupyterLabPageFixture,
  a11y: string[],
  contrastSeen: boolean,
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
    await expectAccessible(page, a11y, contrastSeen);
  }
  await page.theme.setLightTheme();
}

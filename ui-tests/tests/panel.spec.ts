import { expect, test } from '@jupyterlab/galata';
import { cell, NOTEBOOKS, openWithSidebar } from './notebookPage';
import { inBothThemes } from './themes';
import * as path from 'path';

// A short window: the panel is taller than it, as with a run history.
test.use({ viewport: { width: 1200, height: 640 } });

const LONG_NAME = 'a_notebook_with_a_rather_long_name_for_the_panel_header.ipynb';

test('the panel: focus on open, scrolls, names the file whole or ellipsised, follows a rename, says why it cannot run', async ({ page, tmpPath }) => {
  await page.contents.uploadFile(path.join(NOTEBOOKS, 'showcase.ipynb'), `${tmpPath}/${LONG_NAME}`);
  const sidebar = await openWithSidebar(page, tmpPath, 'squares.ipynb');
  // Opened by command: Galata's tab helpers look for the tab by a label the tab bar cuts short.
  await page.evaluate(async path => {
    type App = { commands: { execute(id: string, args: unknown): Promise<unknown> } };
    await (window as unknown as { jupyterapp: App }).jupyterapp.commands.execute('docmanager:open', { path });
  }, `${tmpPath}/${LONG_NAME}`);
  await expect(sidebar.locator('.cp-SidebarPanel-notebook')).toHaveText(LONG_NAME);

  // The panel's shortcut moves focus onto "Compile and run" (0 Tabs away).
  await page.locator('.jp-SideBar.jp-mod-left [data-id="cellpipe-sidebar"]').click(); // closed
  await expect(sidebar).toBeHidden();
  await cell(page, 4).locator('.jp-InputArea-prompt').click();
  await page.keyboard.press('Control+Shift+P');
  await expect(sidebar).toBeVisible();
  await expect(sidebar.locator('.cp-RunButton')).toBeFocused();

  // The header: one line, cut with an ellipsis, the full path in its title.
  const header = sidebar.locator('.cp-SidebarPanel-notebook');
  await expect(header).toHaveAttribute('title', `${tmpPath}/${LONG_NAME}`);
  const fit = await header.evaluate(node => ({
    whiteSpace: getComputedStyle(node).whiteSpace,
    overflow: getComputedStyle(node).textOverflow,
    cut: node.scrollWidth > node.clientWidth,
    oneLine: node.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(node).fontSize)
  }));
  expect(fit).toEqual({ whiteSpace: 'nowrap', overflow: 'ellipsis', cut: true, oneLine: true });

  // The panel scrolls: the wheel and the keyboard; the Settings' last field comes above the status bar.
  await sidebar.locator('summary', { hasText: 'Settings' }).click();
  const scrolled = (): Promise<number> => sidebar.evaluate(node => node.scrollTop);
  expect(await sidebar.evaluate(node => node.scrollHeight > node.clientHeight)).toBe(true);
  await sidebar.hover();
  await page.mouse.wheel(0, 4000);
  await expect.poll(scrolled).toBeGreaterThan(0);
  const statusBar = (await page.locator('#jp-main-statusbar').boundingBox())!;
  const lastBottom = async (): Promise<number> => {
    const box = (await sidebar.locator('[data-setting="volume.accessMode"]').boundingBox())!;
    return box.y + box.height;
  };
  await expect.poll(lastBottom).toBeLessThanOrEqual(statusBar.y);
  await sidebar.evaluate(node => (node.scrollTop = 0));
  await sidebar.locator('.cp-RunButton').focus();
  await page.keyboard.press('PageDown');
  await expect.poll(scrolled).toBeGreaterThan(0);

  // Settings' placeholders are whole.
  const placeholders = await sidebar.locator('.cp-Form-input[placeholder]').evaluateAll(inputs =>
    inputs.map(input => {
      const field = input as HTMLInputElement;
      const style = getComputedStyle(field);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontSize} ${style.fontFamily}`;
      const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { placeholder: field.placeholder, fits: context.measureText(field.placeholder).width <= room };
    })
  );
  expect(placeholders.length).toBeGreaterThan(3);
  expect(placeholders.filter(p => !p.fits)).toEqual([]);

  // A problem in the notebook: Compile and run is off, its tooltip says why.
  await page.notebook.setCell(6, 'code', 'weights = [0.0, 0.0');
  const run = sidebar.locator('.cp-RunButton');
  await expect(run).toHaveAttribute('aria-disabled', 'true');
  await expect(run).toHaveAttribute('title', /^1 problem to fix first/);
  await page.notebook.setCell(6, 'code', 'weights = [0.0, 0.0]');
  await expect(run).toHaveAttribute('aria-disabled', 'false');

  // A rename (as the file browser makes one: through the contents API JupyterLab listens to) shows at once.
  await page.evaluate(
    async ([from, to]) => {
      type App = { serviceManager: { contents: { rename(from: string, to: string): Promise<unknown> } } };
      await (window as unknown as { jupyterapp: App }).jupyterapp.serviceManager.contents.rename(from, to);
    },
    [`${tmpPath}/${LONG_NAME}`, `${tmpPath}/renamed.ipynb`]
  );
  await expect(header).toHaveText('renamed.ipynb');

  // The download notice names the file, and goes when another notebook shows.
  await sidebar.locator('select[aria-label="compile target"]').selectOption('argo');
  const download = page.waitForEvent('download');
  await sidebar.locator('.cp-CompileButton').click();
  expect((await download).suggestedFilename()).toBe('renamed.argo.yaml');
  await expect(sidebar.locator('.cp-Notice')).toContainText('Downloaded renamed.argo.yaml');
  await page.notebook.activate('squares.ipynb');
  await expect(header).toHaveText('squares.ipynb');
  await expect(sidebar.locator('.cp-Notice')).toHaveCount(0);

  await inBothThemes(page, ['#cellpipe-sidebar'], true, async (_, shot) => {
    await sidebar.evaluate(node => (node.scrollTop = 0));
    await shot(sidebar, 'panel');
  });
});

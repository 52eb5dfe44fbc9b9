import { expect, test } from '@jupyterlab/galata';
import { cell } from './notebookPage';
import { expectReadable, inBothThemes } from './themes';

test.use({ viewport: { width: 1300, height: 900 } });

const STEPS = 32;

/** A notebook of 32 steps: a source, thirty that each read it and the one before, a sink. */
function bigNotebook(): string {
  const name = (i: number) => `step${String(i).padStart(2, '0')}`;
  const cells = Array.from({ length: STEPS }, (_, i) => ({
    cell_type: 'code',
    execution_count: null,
    id: `cell-${i}`,
    metadata: { tags: [`step:${name(i)}`] },
    outputs: [],
    source: i === 0 ? 'v0 = 1' : i % 4 === 0 ? `v${i} = v${i - 1} + v${i - 4}` : `v${i} = v${i - 1} + 1`
  }));
  const metadata = { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' }, language_info: { name: 'python' } };
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells });
}

test('a DAG of 32 steps zooms and fits; a node selects its cells, and the active cell marks its node', async ({ page, tmpPath }) => {
  await page.contents.uploadContent(bigNotebook(), 'text', `${tmpPath}/big.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/big.ipynb`);
  await page.notebook.activate('big.ipynb');
  await page.locator('.jp-SideBar.jp-mod-left [data-id="cellpipe-sidebar"]').click();
  const sidebar = page.locator('#cellpipe-sidebar');
  const nodes = sidebar.locator('.cp-DagNode');
  await expect(nodes).toHaveCount(STEPS);

  const svg = sidebar.locator('svg.cp-Dag');
  const viewport = sidebar.locator('.cp-DagView-viewport');
  const scale = async (): Promise<number> => Number(await svg.getAttribute('data-scale'));
  expect(await viewport.evaluate(node => node.scrollHeight > node.clientHeight)).toBe(true);
  await sidebar.locator('.cp-DagView-fit').click();
  await expect.poll(scale).toBeLessThan(1);
  const fittedScale = await scale();
  const fitted = (await svg.boundingBox())!;
  const box = (await viewport.boundingBox())!;
  expect(fitted.height).toBeLessThanOrEqual(box.height);
  await sidebar.locator('.cp-DagView-zoomIn').click();
  const zoomed = await scale();
  expect(zoomed).toBeGreaterThan(fittedScale);
  await viewport.focus();
  await page.keyboard.press('-');
  await expect.poll(scale).toBeLessThan(zoomed);
  await page.keyboard.press('+');
  await expect.poll(scale).toBeCloseTo(zoomed);
  await viewport.hover();
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -100);
  await page.keyboard.up('Control');
  await expect.poll(scale).toBeGreaterThan(zoomed);

  // A node selects its step's cells and brings them into view.
  await sidebar.locator('.cp-DagView-fit').click();
  await sidebar.locator('.cp-DagNode[data-step="step17"]').click();
  await expect(cell(page, 17)).toHaveClass(/jp-mod-active/);
  await expect(cell(page, 17)).toBeInViewport();
  await expect(sidebar.locator('.cp-DagNode[data-step="step17"]')).toHaveClass(/cp-mod-active/);
  // The active cell marks its node.
  await cell(page, 3).locator('.jp-InputArea-prompt').click();
  await expect(sidebar.locator('.cp-DagNode[data-step="step03"]')).toHaveClass(/cp-mod-active/);
  await expect(sidebar.locator('.cp-DagNode.cp-mod-active')).toHaveCount(1);

  // The focus ring is as strong as the selection border.
  await sidebar.locator('.cp-DagView-fit').focus();
  await page.keyboard.press('Tab'); // the viewport
  await page.keyboard.press('Tab'); // the first node
  const focused = sidebar.locator('.cp-DagNode:focus-visible');
  await expect(focused).toHaveCount(1);
  const ring = await focused.locator('.cp-DagNode-focus').evaluate(node => parseFloat(getComputedStyle(node).strokeWidth));
  await page.keyboard.press('Enter');
  const border = await sidebar.locator('.cp-DagNode.cp-mod-active .cp-DagNode-box').evaluate(node => parseFloat(getComputedStyle(node).strokeWidth));
  expect(ring).toBeGreaterThanOrEqual(border);
  expect(ring).toBeGreaterThanOrEqual(3);

  await inBothThemes(page, ['#cellpipe-sidebar .cp-DagView'], false, async (_, shot) => {
    await shot(sidebar.locator('.cp-DagView'), 'dag-32-steps');
    // axe does not measure SVG text: the names and the zoom's text are measured here.
    await expectReadable(sidebar.locator('.cp-DagNode-label, .cp-DagView-scale'));
  });
});

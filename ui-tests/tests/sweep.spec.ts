import { expect, test } from '@jupyterlab/galata';
import { openWithSidebar, RUN_TIMEOUT } from './notebookPage';
import { inBothThemes } from './themes';

test.use({ viewport: { width: 1400, height: 1000 } });

test('a sweep from the palette, typed with the keyboard, opens as a comparison of its runs with the best run framed', async ({ page, tmpPath }) => {
  const sidebar = await openWithSidebar(page, tmpPath, 'sweep.ipynb');

  // The palette's command opens the sidebar's sweep form with focus in its first field.
  await page.keyboard.press('Control+Shift+c');
  await page.keyboard.type('Sweep the Pipeline Parameters');
  await page.keyboard.press('Enter');
  const factor = sidebar.locator('[data-sweep-parameter="factor"]');
  await expect(factor).toBeFocused();
  const button = sidebar.locator('.cp-SweepButton');
  await expect(button).toHaveAttribute('aria-disabled', 'true');

  // A wrong value is named on its field; nothing starts.
  await page.keyboard.type('1, x');
  await expect(sidebar.locator('[data-sweep-error="factor"]')).toContainText("' x' is not a whole number");
  await factor.fill('');
  await page.keyboard.type('1, 5, 3');
  await page.keyboard.press('Tab');
  // A label unique to this test run, so no run of an earlier test run answers from the cache.
  await page.keyboard.type(`run-${Date.now()}`);
  await expect(button).toHaveText('Run sweep (3 runs)');
  await expect(button).toHaveAttribute('aria-disabled', 'false');
  await page.keyboard.press('Enter');

  // The sweep opens as a comparison of its three runs, filled in as they end.
  const compare = page.locator('.cp-Compare');
  await expect(compare.locator('h2')).toHaveText(/^Sweep of .*sweep\.ipynb: 3 runs$/);
  await expect(compare.locator('thead th[data-run-id]')).toHaveCount(3);
  await expect(compare.locator('tr[data-parameter="factor"] td')).toHaveText(['1', '5', '3']);
  await expect(compare.locator('tr[data-metric="score"] td')).toHaveText(['6', '30 ★ best', '18'], { timeout: RUN_TIMEOUT });

  // The best run by score (the pipeline's first metric) is framed, its header says so.
  const bestBy = compare.locator('.cp-Compare-bestBy select');
  await expect(bestBy).toHaveValue('score');
  await expect(compare.locator('thead th.cp-mod-bestRun')).toContainText('★ best run by score');
  await expect(compare.locator('tr[data-parameter="factor"] td.cp-mod-bestRun')).toHaveText('5');
  // `load` reads no swept parameter: one run made it, the others took it from that one.
  await expect(compare.locator('tr[data-step="load"] td')).toHaveText([/ran|cached/, /ran|cached/, /ran|cached/]);
  expect(await compare.locator('tr[data-step="load"] td', { hasText: 'ran' }).count()).toBeLessThanOrEqual(1);

  // With the keyboard: no best run, then score again, lower being better.
  await bestBy.focus();
  await bestBy.selectOption('');
  await expect(compare.locator('.cp-mod-bestRun')).toHaveCount(0);
  await bestBy.selectOption('score');
  await compare.locator('tr[data-metric="score"] .cp-Compare-direction').press('Enter');
  await expect(compare.locator('tr[data-parameter="factor"] td.cp-mod-bestRun')).toHaveText('1');

  // The sweep's runs in the sidebar's history open the same comparison again.
  const fromHistory = sidebar.locator('.cp-History-sweep', { hasText: 'sweep 2/3' }).first(); // newest first
  await expect(fromHistory).toHaveAttribute('aria-label', /^compare the runs of sweep sweep-\S+ \(this is point 2 of 3\)$/);
  await page
    .getByRole('tab', { name: /Sweep of 3 runs/ })
    .locator('.lm-TabBar-tabCloseIcon')
    .click();
  await expect(compare).toHaveCount(0);
  await fromHistory.click();
  await expect(compare.locator('thead th[data-run-id]')).toHaveCount(3);

  await inBothThemes(page, ['.cp-Compare', '#cellpipe-sidebar'], true, async (_, shot) => {
    await shot(compare, 'sweep-compare');
    await shot(sidebar.locator('.cp-SweepSection'), 'sweep-form');
  });
});

test('a fan-out step is one node: what it runs over before a run, then its items and their statuses', async ({ page, tmpPath }) => {
  // A folder of its own: the server's run store keeps this notebook's runs of earlier test runs, and the sidebar would show the latest.
  const folder = `${tmpPath}/${Date.now()}`;
  await page.contents.createDirectory(folder);
  const sidebar = await openWithSidebar(page, folder, 'fan_out_small.ipynb');
  const train = sidebar.locator('.cp-DagNode[data-step="train"]');
  await expect(train.locator('.cp-DagNode-badge')).toHaveText('× each item of folds');
  await expect(train).toHaveAttribute('aria-label', 'step train: not run, runs once per item of folds');

  await sidebar.locator('.cp-RunButton').click();
  await expect(sidebar.locator('.cp-RunHeader .cp-RunStatus')).toHaveAttribute('data-status', 'Succeeded', { timeout: RUN_TIMEOUT });
  await expect(train.locator('.cp-DagNode-badge')).toHaveText('×3');
  await expect(train.locator('.cp-DagNode-instance')).toHaveCount(3);
  await expect(train.locator('.cp-DagNode-instance.cp-mod-succeeded, .cp-DagNode-instance.cp-mod-cached')).toHaveCount(3);
  await expect(train).toHaveAttribute('aria-label', /^step train: (succeeded|cached), 3 items: 3 (succeeded|cached)$/);

  // The step panel lists the items.
  await train.focus();
  await page.keyboard.press('Enter');
  await expect(sidebar.locator('.cp-Instances li')).toHaveText([/^item 1.*(succeeded|cached)/, /^item 2/, /^item 3/]);
  await inBothThemes(page, ['#cellpipe-sidebar'], true, async (_, shot) => {
    await shot(sidebar.locator('.cp-DagView'), 'dag-fan-out');
  });
});

/**
 * Galata's configuration, with the system Chromium (a downloaded browser cannot run here) and
 * no video (it needs a downloaded ffmpeg).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  timeout: 120000,
  reporter: [['list'], ['html', { open: 'never' }]],
  webServer: {
    command: 'jlpm start',
    // TARGET_URL (Galata's own variable): a JupyterLab already started elsewhere, e.g. on another port.
    url: `${process.env.TARGET_URL ?? 'http://localhost:8888'}/lab`,
    timeout: 180 * 1000,
    reuseExistingServer: !process.env.CI
  },
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
};

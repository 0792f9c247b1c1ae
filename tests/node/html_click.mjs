// Opens a tracechat HTML trace page in headless Chromium, clicks the row of one span
// and prints the text of the details panel, then saves a screenshot:
// `node html_click.mjs <page.html> <span-id> <screenshot.png>`.
import { chromium } from 'playwright-core';

const [page_path, span_id, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 600 } });
  await page.goto(`file://${page_path}`);
  const rows = await page.locator('.row').count();
  await page.click(`.row[data-span-id="${span_id}"]`);
  const details = await page.locator('#details').innerText();
  const selected = await page.locator('.row.selected').getAttribute('data-span-id');
  await page.screenshot({ path: screenshot });
  process.stdout.write(JSON.stringify({ rows, selected, details }));
} finally {
  await browser.close();
}

// Drives the SPA sample in a real Chromium (Debian's, through playwright-core): a wrong code shows the service's
// error, the right one completes the sign-in and the page reads /v1/me with the new session token.
// Usage: node spa-flow.mjs <page url with #api=…&sign_in=…&client_token=…> <wrong code> <right code>
// (The service under test runs on a fake clock, so the caller knows the right code in advance.)
import { chromium } from 'playwright-core';

const [pageUrl, wrongCode, rightCode] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  await page.waitForSelector('#attempt:not([hidden])', { timeout: 15000 });
  const strategies = await page.$$eval('#strategy option', (options) => options.map((o) => o.value));
  console.log('strategies=' + strategies.join(','));

  await page.selectOption('#strategy', 'totp');
  await page.fill('#code', wrongCode);
  await page.click('#verify');
  await page.waitForFunction(() => document.getElementById('error').textContent.length > 0, null, { timeout: 15000 });
  console.log('error=' + await page.textContent('#error'));

  await page.fill('#code', rightCode);
  await page.click('#verify');
  await page.waitForSelector('#done:not([hidden])', { timeout: 15000 });
  console.log('done=' + await page.textContent('#done'));
  console.log('status=' + await page.textContent('#status'));
} finally {
  await browser.close();
}

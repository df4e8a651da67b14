// Clicks through the sample app (samples/spa, served by samples/backend) in a real Chromium (Debian's, through
// playwright-core), against the real service, and checks what the page says at each step:
//   enrol TOTP (the QR decoded by zbarimg equals the URI shown; the code from oathtool), a wrong code in words,
//   backup codes shown and downloaded, a change refused for want of a recent second step, sign-in with TOTP,
//   regenerate backup codes, add and verify a phone (a 429 with the wait in words), reserve it, sign-in by SMS (the
//   code read from the File provider's output), sign-in with a backup code, disable TOTP, sign out; then a second user is
//   locked out after ten wrong codes and the page says for how long.
// Usage: node spa-flow.mjs <sample url> <user id> <second user id>, with the MFA_* variables of
// clients/js/test/support.mjs. Prints "step=…" lines and, last, "flow complete".
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { freshPhoneNumber, nextSmsCode, sleep, totpCode, wrongTotpCode } from '../../clients/js/test/support.mjs';

const [sampleUrl, userId, lockedUserId] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'spa-flow-'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
});

try {
  const page = await browser.newPage({ acceptDownloads: true });
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(sampleUrl);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });

  /** Runs one user action and returns what #message says after it (each action adds one log entry). */
  async function act(action) {
    const before = await page.locator('#log li').count();
    await action();
    await page.waitForFunction((n) => document.querySelectorAll('#log li').length > n, before, { timeout: 15000 });
    return (await page.textContent('#message')).trim();
  }
  const click = (selector) => act(() => page.click(selector));
  const submit = (field, value, button) => act(async () => {
    await page.fill(field, value);
    await page.click(button);
  });
  const summary = async () => (await page.textContent('#account-summary')).trim();

  async function signIn(id) {
    await page.fill('#user-id', id);
    return click('#signin');
  }

  // 1. A user without a second factor is signed in at once.
  assert.match(await signIn(userId), /^Signed in as user_\w+: no second factor is set up/);
  assert.match(await summary(), /Two-step verification is off; authenticator app off; backup codes off; phone numbers: none\./);

  // 2. Enrol an authenticator app: the QR encodes the URI shown, which carries the secret shown.
  assert.match(await click('#create-totp'), /^New secret made: scan the QR code/);
  const secret = (await page.textContent('#totp-secret')).trim();
  const uri = (await page.textContent('#totp-uri')).trim();
  // Checks on secrets say what failed without printing them.
  assert.ok(/^[A-Z2-7]{32}$/.test(secret), 'the secret shown is 160 bits of base32');
  assert.ok(new URL(uri).searchParams.get('secret') === secret, 'the URI shown carries the secret shown');
  const qrPng = join(work, 'qr.png');
  await page.locator('#totp-qr').screenshot({ path: qrPng });
  const decoded = execFileSync('zbarimg', ['--raw', '-q', qrPng], { encoding: 'utf8' }).trim();
  assert.ok(decoded === uri, 'the QR code encodes the URI shown for manual entry');
  console.log('step=enrolled qr=uri');

  assert.equal(await submit('#totp-code', wrongTotpCode(secret), '#verify-totp'),
    'That code is incorrect. Type the code your authenticator app shows now.');
  assert.match(await submit('#totp-code', totpCode(secret), '#verify-totp'),
    /^Authenticator app verified: two-step verification is on\. Here are your 10 backup codes; save them now\.$/);
  assert.equal(await page.isVisible('#create-totp'), false, 'no second set-up while one is enabled');
  assert.equal(await page.isVisible('#disable-totp'), true);
  const firstCodes = await page.$$eval('#backup-codes li', (items) => items.map((li) => li.textContent));
  assert.equal(firstCodes.length, 10);
  assert.match(await summary(), /Two-step verification is on; authenticator app on; backup codes on, 10 left;/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-codes')]);
  assert.equal(download.suggestedFilename(), 'backup-codes.txt');
  const saved = readFileSync(await download.path(), 'utf8');
  assert.ok(firstCodes.every((code) => saved.includes(code)), 'the downloaded file holds every code');
  console.log('step=backup-codes shown=10 downloaded');

  // 3. This session's sign-in had no second factor: changing a factor needs a new sign-in.
  assert.equal(await click('#regenerate-codes'),
    'This change needs a recent second step: sign out, then sign in again with your second factor.');

  // 4. Sign in with the authenticator app: a wrong code first, with the tries left in words.
  assert.match(await signIn(userId), /Second step: Authenticator app, Backup code\./);
  await page.selectOption('#strategy', 'totp');
  assert.equal(await page.isVisible('#send-code'), false, 'a TOTP needs no text');
  assert.equal(await submit('#signin-code', wrongTotpCode(secret), '#verify-signin'),
    'That code is incorrect: 9 tries left before your account is locked.');
  // The enrolment used this step's code; a used step is refused, so the next one.
  assert.match(await submit('#signin-code', totpCode(secret, 1), '#verify-signin'), /^Signed in with authenticator app \(session sess_\w+\)\.$/);
  console.log('step=signed-in strategy=totp');

  // 5. A recent second step allows new backup codes.
  assert.equal(await click('#regenerate-codes'), '10 new backup codes; the old ones no longer work.');
  const codes = await page.$$eval('#backup-codes li', (items) => items.map((li) => li.textContent));
  assert.equal(codes.length, 10);
  assert.ok(codes.every((code) => !firstCodes.includes(code)));

  // 6. Add a phone number and verify it; a second code too soon is a 429, said with the wait.
  const phone = freshPhoneNumber();
  assert.equal(await submit('#phone-input', phone, '#add-phone'), `${phone} added; text it a code to verify it.`);
  assert.match(await click('#send-phone-code'), new RegExp(`^Code sent to \\${phone}; it works until `));
  assert.match(await click('#send-phone-code'), /^Too many codes sent: wait [12] seconds? before asking for another one\.$/);
  const verificationCode = await nextSmsCode(phone);
  assert.equal(await submit('#phone-code', verificationCode === '000000' ? '111111' : '000000', '#verify-phone'),
    'That code is incorrect: 2 tries left for this code.');
  assert.equal(await submit('#phone-code', verificationCode, '#verify-phone'), `${phone} verified.`);
  assert.equal(await click('#reserve-phone'), `${phone} now receives sign-in codes.`);
  assert.match(await summary(), /phone numbers: \+\d+ \(verified, for two-step verification, default\)\./);
  console.log('step=phone verified reserved');

  // 7. Sign in by SMS (the service keeps this fixture's 2 s between two texts to one number).
  assert.match(await signIn(userId), /Second step: Authenticator app, Text message \(\+\*+\d{4}\), Backup code\./);
  await page.selectOption('#strategy', { label: `Text message to +${'*'.repeat(phone.length - 5)}${phone.slice(-4)}` });
  assert.equal(await page.isVisible('#send-code'), true);
  await sleep(2000);
  assert.match(await click('#send-code'), /^Code sent by SMS; it works until /);
  assert.match(await submit('#signin-code', await nextSmsCode(phone), '#verify-signin'), /^Signed in with text message \(session sess_\w+\)\.$/);
  console.log('step=signed-in strategy=phone_code');

  // 8. Sign in with a backup code (case and separators do not matter), then remove the authenticator app.
  await signIn(userId);
  await page.selectOption('#strategy', 'backup_code');
  assert.match(await submit('#signin-code', codes[4].toUpperCase().replaceAll('-', ''), '#verify-signin'), /^Signed in with backup code \(session sess_\w+\)\.$/);
  assert.match(await summary(), /backup codes on, 9 left;/);
  console.log('step=signed-in strategy=backup_code');
  assert.equal(await click('#disable-totp'), 'Authenticator app removed.');
  assert.match(await summary(), /Two-step verification is on; authenticator app off; backup codes on, 9 left;/);
  console.log('step=totp disabled');
  assert.equal(await click('#sign-out'), 'Signed out: this session\'s token no longer works.');
  assert.equal(await page.isVisible('#account'), false);
  console.log('step=signed-out');

  // 9. A second user: ten wrong codes lock the account, and the page says for how long.
  await signIn(lockedUserId);
  await click('#create-totp');
  const lockedSecret = (await page.textContent('#totp-secret')).trim();
  await submit('#totp-code', totpCode(lockedSecret), '#verify-totp');
  await signIn(lockedUserId);
  const wrong = wrongTotpCode(lockedSecret);
  for (let left = 9; left >= 1; left--) {
    assert.equal(await submit('#signin-code', wrong, '#verify-signin'),
      `That code is incorrect: ${left} ${left === 1 ? 'try' : 'tries'} left before your account is locked.`);
  }
  assert.match(await submit('#signin-code', wrong, '#verify-signin'),
    /^Too many wrong codes: your account is locked for (60|59) minutes\. Try again then, or ask support to unlock it\.$/);
  console.log('step=locked');

  assert.deepEqual(pageErrors, [], 'no uncaught error on the page');
  console.log('flow complete');
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}

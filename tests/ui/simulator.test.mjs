// The admin UI end to end in headless Chromium: the page of a real
// `tollgate serve --admin-ui` (TOLLGATE_ADMIN, HOST:PORT) loads its
// examples, simulates one through POST /v1/simulate, shows the decision and
// highlights the decisive statement in the policy text; bad input is
// reported, not sent. Writes a screenshot to SCREENSHOT when set.
//
//   node tests/ui/simulator.test.mjs   (tests/ui/run.sh sets everything up)
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const admin = process.env.TOLLGATE_ADMIN;
assert.ok(admin, 'TOLLGATE_ADMIN (HOST:PORT of the admin listener) is required');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  timeout: 30_000,
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });

  const response = await page.goto(`http://${admin}/ui/`);
  assert.equal(response.status(), 200);
  await page.waitForFunction(() => document.querySelectorAll('#example option').length > 1);
  await page.waitForFunction(() => !document.getElementById('server-status').textContent.includes('asking'));

  // An SCP deny: the example whose SCP denies leaving the organization.
  const options = await page.$$eval('#example option', (all) => all.map((o) => [o.value, o.textContent]));
  const scp = options.find(([, text]) => /SCP denies leaving/.test(text));
  assert.ok(scp, `an SCP example among ${JSON.stringify(options)}`);
  await page.selectOption('#example', scp[0]);
  await page.click('#simulate');
  await page.waitForFunction(() => document.getElementById('decision').textContent !== 'no decision yet');
  assert.equal(await page.textContent('#decision'), 'Explicit deny');
  assert.equal(await page.textContent('#expectation'), 'as the scenario expects');
  const decisive = await page.$$eval('.statement.decisive', (all) => all.map((s) => s.textContent));
  assert.equal(decisive.length, 1, JSON.stringify(decisive));
  assert.match(decisive[0], /DenyLeaveOrganization/);
  assert.match(await page.textContent('#decisive'), /serviceControlPolicies\[1\]\[1\] Statement\[0\] \(DenyLeaveOrganization\) Deny/);
  const deny = await page.$eval('.statement.decisive', (s) => getComputedStyle(s).backgroundColor);
  assert.notEqual(deny, 'rgba(0, 0, 0, 0)', 'the decisive statement is highlighted');

  // An allow: the first example; its decisive statement is highlighted too.
  await page.selectOption('#example', '0');
  await page.click('#simulate');
  await page.waitForFunction(() => document.getElementById('decision').textContent === 'Allowed');
  assert.ok((await page.$$('.statement.decisive')).length >= 1);

  // Edited by hand: the request changed so nothing allows it.
  const request = JSON.parse(await page.inputValue('#request'));
  request.action = 'iam:CreateUser';
  await page.fill('#request', JSON.stringify(request, null, 2));
  await page.click('#simulate');
  await page.waitForFunction(() => document.getElementById('decision').textContent === 'Implicit deny');
  assert.equal((await page.$$('.statement.decisive')).length, 0);
  assert.ok((await page.textContent('#explanation')).length > 0, 'an explanation is shown');

  // Bad input is reported where it is, and nothing is sent.
  await page.fill('#request', '{"action": ');
  await page.click('#simulate');
  assert.match(await page.textContent('#input-error'), /^Request: /);
  // A scenario the API cannot read: its error is shown as the answer.
  await page.fill('#request', JSON.stringify({ principal: 'x', action: 7 }));
  await page.click('#simulate');
  await page.waitForFunction(() => document.getElementById('decision').textContent === 'Not evaluated');
  assert.match(await page.textContent('#explanation'), /action/);

  // Back to the SCP deny for the screenshot.
  await page.selectOption('#example', scp[0]);
  await page.click('#simulate');
  await page.waitForFunction(() => document.getElementById('decision').textContent === 'Explicit deny');
  if (process.env.SCREENSHOT) {
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  }
  assert.deepEqual(problems, []);
  console.log('ui: the simulator page decides, explains and highlights (6 checks passed)');
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

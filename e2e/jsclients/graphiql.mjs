// Drives the GraphiQL page Rollcall serves at /graphiql in headless Chromium
// (Debian's chromium, through playwright-core): types the bearer token into
// the page's field, runs `{ me { email } }` and a sessionsChanged
// subscription, reads what the result pane shows, and takes a screenshot
// after each. Prints one JSON line (see run in lib.mjs); e2e/graphiql_test.go
// asserts on it and triggers the subscription's events.
//
//   ROLLCALL_TOKEN=… ROLLCALL_ARTIFACTS=dir node graphiql.mjs http://HOST
//
// ROLLCALL_CHROMIUM overrides the browser (default /usr/bin/chromium).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

import { run, versionOf } from './lib.mjs';

const base = process.argv[2];
const token = process.env.ROLLCALL_TOKEN;
const artifacts = resolve(process.env.ROLLCALL_ARTIFACTS || '../artifacts');
if (!base || !token) {
  process.stderr.write('usage: ROLLCALL_TOKEN=… [ROLLCALL_ARTIFACTS=dir] node graphiql.mjs http://HOST\n');
  process.exit(2);
}

const QUERY = '{ me { email } }';
const SUBSCRIPTION = `subscription {
  sessionsChanged {
    kind
    session { deviceName connected }
  }
}`;

// The flags the issue names, and a fresh profile (--user-data-dir, which
// playwright passes for launchPersistentContext).
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

// editorText returns what the CodeMirror editor inside selector shows.
function editorText(page, selector) {
  return page.evaluate((sel) => document.querySelector(`${sel} .CodeMirror`)?.CodeMirror?.getValue() ?? null, selector);
}

// setQuery replaces the query editor's text and waits until GraphiQL has
// parsed it (the execute button offers a menu while the editor holds more
// than one operation, as the page's default text does).
async function setQuery(page, text) {
  await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q), text);
  // GraphiQL parses the editor's text after a debounce and picks the
  // transport from that parse (a subscription goes to the websocket): run
  // only once the parse is of this text.
  await page.waitForFunction((q) => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
    return cm.documentAST?.loc?.source?.body === q;
  }, text, { timeout: 10000 });
  await page.waitForSelector('.graphiql-execute-button:not([aria-haspopup])', { timeout: 10000 });
}

// waitForResult waits until the result pane's text satisfies pred.
async function waitForResult(page, pred, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let text = null;
  while (Date.now() < deadline) {
    text = await editorText(page, '.graphiql-response');
    if (text && pred(text)) {
      return text;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`the result pane never showed ${what}; it shows: ${text}`);
}

run(async (result, report) => {
  // step also records how long each step took (ms), for the test's log.
  const started = Date.now();
  let last = started;
  result.timings = {};
  let current = null;
  const step = (name) => {
    const now = Date.now();
    if (current) result.timings[current] = now - last;
    current = name;
    last = now;
    report(name);
  };
  result.client = 'graphiql';
  result.version = versionOf('playwright-core');
  result.screenshots = [];
  result.console = [];
  result.pageErrors = [];
  result.cspViolations = [];
  result.requests = [];
  result.sockets = [];

  step('launch chromium');
  const profile = mkdtempSync(join(tmpdir(), 'rollcall-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.ROLLCALL_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    bypassCSP: false,
  });
  try {
    result.browser = context.browser()?.version() ?? null;
    const page = context.pages()[0] ?? (await context.newPage());

    // What the browser reports: console messages (CSP violations are
    // logged there), uncaught errors, and securitypolicyviolation events
    // (an init script, which the page's CSP does not apply to, listens).
    page.on('console', (m) => result.console.push({ type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => result.pageErrors.push(String(e)));
    await page.addInitScript(() => {
      window.__rollcallCSP = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__rollcallCSP.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
      });
    });
    // Every request the page makes, and the Authorization it carried (the
    // scheme only: the token stays out of the report).
    page.on('request', (r) => {
      const auth = r.headers().authorization;
      result.requests.push({ method: r.method(), url: r.url(), authorization: auth ? auth.split(' ')[0] : null });
    });
    page.on('websocket', (ws) => {
      const entry = { url: ws.url(), sent: [], received: [], initPayloadKeys: null, initBearer: null, closed: false };
      result.sockets.push(entry);
      ws.on('framesent', (f) => {
        const m = parse(f.payload);
        entry.sent.push(m?.type ?? '<not JSON>');
        if (m?.type === 'connection_init') {
          entry.initPayloadKeys = Object.keys(m.payload ?? {}).sort();
          entry.initBearer = m.payload?.Authorization === `Bearer ${token}`;
        }
      });
      ws.on('framereceived', (f) => entry.received.push(parse(f.payload)?.type ?? '<not JSON>'));
      ws.on('close', () => {
        entry.closed = true;
      });
    });

    step('open /graphiql');
    const resp = await page.goto(new URL('/graphiql', base).href, { waitUntil: 'load' });
    result.pageStatus = resp.status();
    result.pageCSP = resp.headers()['content-security-policy'] ?? null;
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20000 });
    // The schema arrived by introspection: the docs explorer can open.
    step('wait for the schema');
    await page.click('[aria-label="Show Documentation Explorer"]', { timeout: 20000 });
    await page.waitForSelector('.graphiql-doc-explorer-root-type', { timeout: 20000 });
    result.docsRootTypes = await page.$$eval('.graphiql-doc-explorer-root-type', (es) => es.map((e) => e.textContent));

    // A dialog (Radix: focus trap, scroll lock) opens and closes under the
    // policy too.
    step('open and close the settings dialog');
    await page.click('[aria-label="Open settings dialog"]');
    await page.waitForSelector('.graphiql-dialog', { timeout: 10000 });
    result.dialogTitle = await page.textContent('.graphiql-dialog-title');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.graphiql-dialog', { state: 'detached', timeout: 10000 });

    step('type the token');
    await page.fill('#rc-token', token);
    await page.press('#rc-token', 'Enter'); // submits nothing
    result.tokenState = await page.textContent('#rc-token-state');

    step('run the query');
    await setQuery(page, QUERY);
    await page.click('.graphiql-execute-button');
    const queryText = await waitForResult(page, (t) => t.includes('"me"'), 'the query result', 20000);
    result.queryResult = JSON.parse(queryText);
    result.screenshots.push(await shot(page, 'graphiql-query.png'));

    step('run the subscription');
    await setQuery(page, SUBSCRIPTION);
    await page.click('.graphiql-execute-button');
    // The node's test triggers sessionsChanged events (a spare device of the
    // same user connects and leaves) until this script exits.
    const subText = await waitForResult(page, (t) => t.includes('"sessionsChanged"'), 'a sessionsChanged event', 30000);
    result.subscriptionResult = JSON.parse(subText);
    // The Go side stops making events once it reads this line.
    process.stdout.write('{"progress":"event shown"}\n');
    result.screenshots.push(await shot(page, 'graphiql-subscription.png'));

    step('stop the subscription');
    await page.click('.graphiql-execute-button'); // the button stops a running subscription
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && !result.sockets.every((s) => s.closed)) {
      await page.waitForTimeout(50);
    }

    result.cspViolations = await page.evaluate(() => window.__rollcallCSP);
    step('close');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}, { timeoutMs: 120000 });

function parse(payload) {
  try {
    return JSON.parse(String(payload));
  } catch {
    return null;
  }
}

async function shot(page, name) {
  const path = join(artifacts, name);
  await page.screenshot({ path });
  return path;
}

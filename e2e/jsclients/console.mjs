// Runs one scenario of the Rollcall console (/console) in headless Chromium
// through playwright-core: `node console.mjs http://HOST SCENARIO`, where
// SCENARIO names console/SCENARIO.mjs. Each "browser" of a scenario is its
// own Chromium with a fresh profile, so two of them are two people (or two
// devices) side by side. Prints one JSON line: the steps and how long each
// took, the screenshots saved, and every page error, console error and CSP
// violation seen; exits 1 when a step failed. e2e/console_test.go runs it.
//
//   ROLLCALL_MAIL_DIR   the node's mail folder (MAIL_URL=file:DIR), for links
//   ROLLCALL_ARTIFACTS  where screenshots go (default ../artifacts)
//   ROLLCALL_CHROMIUM   the browser (default /usr/bin/chromium)
import { Ctx } from './console/lib.mjs';

const [base, name] = process.argv.slice(2);
if (!base || !name || !/^[a-z0-9-]+$/.test(name)) {
  process.stderr.write('usage: node console.mjs http://HOST SCENARIO\n');
  process.exit(2);
}

const ctx = new Ctx(base, name);
let failure = null;
try {
  const { default: scenario } = await import(`./console/${name}.mjs`);
  await scenario(ctx);
} catch (err) {
  failure = { step: ctx.current, message: err?.stack ?? String(err) };
  await ctx.screenshotAll('failure').catch(() => {});
} finally {
  await ctx.close();
}
process.stdout.write(JSON.stringify({ ...ctx.report(), ok: failure === null, failure }) + '\n');
process.exit(failure ? 1 : 0);

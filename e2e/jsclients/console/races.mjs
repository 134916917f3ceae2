// The races of a live page, forced: a snapshot (a query's answer) read on
// the server before a change whose event is missed or arrives first. The
// browser's network is held at the worst moment, so each step fails without
// the console's answer to it (src/live.ts) instead of now and then.
import { assert, PHONE, sleep, within } from './lib.mjs';

// operationOf names the GraphQL operation of a request to /query.
function operationOf(request) {
  try {
    return JSON.parse(request.postData() ?? '{}').operationName ?? '';
  } catch {
    return '';
  }
}

// interceptFirst answers page's first request for operation from the
// server at once but hands the answer to the page only once release has
// resolved. It returns { body }: a promise of the answer's body, resolved
// as soon as the server gave it.
async function interceptFirst(ctx, page, operation, release) {
  let answered;
  const body = new Promise((resolve) => (answered = resolve));
  let taken = false;
  await page.context().route(`${ctx.base}/query`, async (route) => {
    if (taken || operationOf(route.request()) !== operation) return route.continue();
    taken = true;
    const response = await route.fetch();
    const text = await response.text();
    answered(text);
    await release;
    await route.fulfill({ response, body: text });
  });
  return { body };
}

// holdHello lets page's socket say hello (connection_init) only once until
// has resolved.
async function holdHello(page, until) {
  await page.context().routeWebSocket(/\/query$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage(async (message) => {
      if (String(message).includes('"connection_init"')) await until;
      server.send(message);
    });
  });
}

export default async function (ctx) {
  await ctx.step('the directory was read before the socket said hello: the owner still sees themself online', async () => {
    const grace = await ctx.signUp({ firstName: 'Grace', lastName: 'Hopper', organizationName: 'Navy' });
    const page = await ctx.browser('founder');
    // The first directory page is read on the server (OFFLINE: no socket
    // yet) before the socket's connection_init is let through, so the
    // ONLINE of this device's own connection is published before any
    // subscription of the page exists and is never delivered.
    const { body: directoryRead } = await interceptFirst(ctx, page, 'Directory', Promise.resolve());
    await holdHello(page, directoryRead);
    await ctx.signIn(page, grace);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await within(5000, 'the owner shown online', () => page.locator(`li[data-email="${grace.email}"][data-presence="ONLINE"]`).isVisible());
    await ctx.screenshot(page, 'own-presence');
    const body = await directoryRead;
    assert(body.includes('"OFFLINE"'), `the held directory read shows the owner offline: ${body.slice(0, 200)}`);
  });

  await ctx.step('the device list was read before the new device connected and arrived after: it still shows it connected', async () => {
    const ada = await ctx.signUp({ firstName: 'Ada', lastName: 'Lovelace', organizationName: 'Engines' });
    const laptop = await ctx.browser('laptop');
    await ctx.signIn(laptop, ada);
    await laptop.getByRole('link', { name: 'My devices' }).click();
    await laptop.getByRole('heading', { name: 'My devices' }).waitFor();
    await laptop.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const list = laptop.getByRole('list', { name: 'Signed-in devices' });
    const rows = async () => list.locator('li.device').count();

    await sleep(500); // the reads made when the socket connected are answered
    const before = await rows();

    // From now on, the laptop's first read of the list is answered by the
    // server at once, before the phone's socket may say hello, but reaches
    // the page only after the phone's CONNECTED event has reached it.
    let phoneLive;
    const live = new Promise((resolve) => (phoneLive = resolve));
    const { body: listRead } = await interceptFirst(ctx, laptop, 'MySessions', live);
    const phone = await ctx.browser('phone', { viewport: PHONE });
    await holdHello(phone, listRead);
    await ctx.signIn(phone, ada);
    await phone.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await sleep(1000); // the CONNECTED event reaches the laptop
    const heldBody = await listRead;
    assert((heldBody.match(/"connected":true/g) ?? []).length === 1, `the held read shows only the laptop connected: ${heldBody}`);
    phoneLive();

    await within(10_000, 'the phone listed', async () => (await rows()) === before + 1);
    await within(5000, 'the phone shown connected', async () => (await list.locator('li.device[data-connected="true"]').count()) === 2);
    await ctx.screenshot(laptop, 'devices');
  });
}

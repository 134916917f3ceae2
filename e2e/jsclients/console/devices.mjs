// My devices, live: one person on a laptop (A) and a phone (B). The
// laptop's list follows the phone connecting, leaving and coming back;
// the laptop signs the phone out (the phone's page shows it within 1 s),
// then signs out every other device.
import { assert, PHONE, within } from './lib.mjs';

export default async function (ctx) {
  const grace = await ctx.signUp({ firstName: 'Grace', lastName: 'Hopper', organizationName: 'Navy' });
  const laptop = await ctx.browser('laptop');
  await ctx.step('the laptop signs in and opens My devices', async () => {
    await ctx.signIn(laptop, grace);
    await laptop.getByRole('link', { name: 'My devices' }).click();
    await laptop.getByRole('heading', { name: 'My devices' }).waitFor();
  });
  const list = laptop.getByRole('list', { name: 'Signed-in devices' });
  const devices = () => list.locator('li.device');
  // The API session the test signed up with is a device too.
  const others = async () => (await devices().count()) - 1;

  let phone = await ctx.browser('phone', { viewport: PHONE });
  await ctx.step('the phone signs in: it appears, connected, on the laptop', async () => {
    const before = await others();
    await ctx.signIn(phone, grace);
    // Generous: the phone's whole page load and socket are inside these
    // bounds, on a CI machine also running the db package under -race.
    await within(10_000, 'a new device listed', async () => (await others()) === before + 1);
    await within(10_000, 'the new device connected', async () => (await list.locator('li.device[data-connected="true"]').count()) === 2);
    await list.locator('li[data-current="true"]').getByText('This device').waitFor();
    await ctx.screenshot(laptop, 'devices');
  });

  await ctx.step('the phone closes the console: it shows as not connected', async () => {
    await phone.close();
    await within(5000, 'only the laptop connected', async () => (await list.locator('li.device[data-connected="true"]').count()) === 1);
    await list.getByText(/^Last used/).first().waitFor();
  });

  await ctx.step('the phone signs in again; the laptop signs it out: the phone shows it within 1 s', async () => {
    phone = await ctx.browser('phone-again', { viewport: PHONE });
    await ctx.signIn(phone, grace);
    await ctx.screenshot(phone, 'phone-directory');
    await within(10_000, 'two connected', async () => (await list.locator('li.device[data-connected="true"]').count()) === 2);
    const row = list.locator('li.device[data-connected="true"][data-current="false"]');
    const name = await row.locator('.device-name').textContent();
    await row.getByRole('button', { name: /^Sign out/ }).click();
    const dialog = laptop.getByRole('alertdialog');
    await dialog.waitFor();
    assert((await dialog.textContent()).includes(name), 'the dialog names the device');
    const done = laptop.waitForResponse(async (r) => r.url().endsWith('/query') && (await r.text()).includes('"signOutSession"'));
    await dialog.getByRole('button', { name: 'Sign out', exact: true }).click();
    await done;
    const ms = await within(1000, "the phone's page shows it is signed out", () => phone.getByTestId('signed-out').isVisible());
    ctx.steps.push({ name: `measured: the phone showed it was signed out ${ms} ms after the laptop's click returned`, ms });
    await ctx.screenshot(phone, 'phone-signed-out');
  });

  await ctx.step('sign out of all other devices', async () => {
    await within(3000, 'the signed-out phone leaves the list', async () => (await list.getByText('Connected now').count()) === 1);
    assert((await others()) >= 1, 'other devices remain before "sign out all"');
    await laptop.getByRole('button', { name: 'Sign out of all other devices' }).first().click();
    const dialog = laptop.getByRole('alertdialog');
    await dialog.getByRole('button', { name: 'Sign out of all other devices' }).click();
    await within(3000, 'only this device left', async () => (await devices().count()) === 1);
    await laptop.getByRole('status').filter({ hasText: 'devices signed out' }).waitFor();
    await ctx.screenshot(laptop, 'devices-after');
  });
}

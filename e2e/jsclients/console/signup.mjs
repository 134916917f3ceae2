// A new customer creates their organization from the console, sees
// themself online in the directory, signs out, is refused with a wrong
// password, and signs back in.
import { assert, PASSWORD } from './lib.mjs';

export default async function (ctx) {
  const email = ctx.unique('founder');
  const page = await ctx.browser('founder');

  await ctx.step('an unknown visitor is sent to sign in', async () => {
    await page.getByRole('heading', { name: 'Sign in to Rollcall' }).waitFor();
    assert(page.url().endsWith('/console/signin'), `landed on ${page.url()}`);
  });

  await ctx.step('signs up: a new organization and its owner', async () => {
    await page.getByRole('link', { name: 'Create an organization' }).click();
    await page.getByLabel('Organization name').fill('Globex');
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
    await page.getByText('1 people').waitFor();
  });

  await ctx.step('sees themself, owner, online', async () => {
    const row = page.locator(`li[data-email="${email}"]`);
    await row.getByText('Owner').waitFor();
    // Generous: CI runs this beside the db package under -race on two
    // cores; the 1 s presence bounds are asserted in the presence scenario.
    await page.locator(`li[data-email="${email}"][data-presence="ONLINE"]`).waitFor({ timeout: 15_000 });
    await row.getByRole('img', { name: 'Online' }).waitFor();
    assert((await page.locator('.org-name').textContent()) === 'Globex', 'the organization name is shown');
    await ctx.screenshot(page, 'directory');
  });

  await ctx.step('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Rollcall' }).waitFor();
  });

  await ctx.step('a wrong password is refused, with a message', async () => {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert((await alert.getAttribute('data-code')) === 'UNAUTHENTICATED', 'the error is UNAUTHENTICATED');
  });

  await ctx.step('signs back in', async () => {
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
  });
}

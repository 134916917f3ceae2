// The pages of the links the API mails, opened as mailed (at the site's
// root: the server sends them on to /console/…):
// - a new person accepts an invitation, sets a password and lands signed in
//   on the directory; the spent link then says so;
// - they forget their password: "Forgot your password?" on the sign-in
//   page, the reset link, a new password, signed in again;
// - a login email change confirmed from its link, which a mail scanner's
//   fetch of the page did not use up;
// - someone who already has an account signs in from the invitation page
//   and accepts;
// - a link whose token is unknown says it is not valid.
import { assert, PHONE } from './lib.mjs';

const SIGN_IN = `mutation($in: SignInInput!) { signIn(input: $in) { token } }`;
const INVITE = `mutation($in: InviteUsersInput!) { inviteUsers(input: $in) { results { outcome } } }`;

export default async function (ctx) {
  const owner = await ctx.signUp({ firstName: 'Ada', lastName: 'Lovelace', organizationName: 'Bell Labs' });
  // The link as mailed, on the node under test: its path and query.
  const asMailed = (link) => {
    const u = new URL(link);
    return u.pathname + u.search;
  };
  const signsIn = async (email, password) =>
    ctx
      .gql(SIGN_IN, { in: { email, password } })
      .then((d) => d.signIn.token)
      .catch(() => null);

  const email = ctx.unique('claude');
  let invitation;
  await ctx.step('the owner invites a new address (API); the mail holds a root link', async () => {
    await ctx.gql(INVITE, { in: { accountIds: [owner.accountId], emails: email, role: 'AGENT' } }, owner.token);
    invitation = await ctx.link(email, '/accept-invitation');
    assert(new URL(invitation).pathname === '/accept-invitation', `the mailed link is at the root: ${invitation}`);
  });

  const page = await ctx.browser('newcomer', { path: asMailed(invitation) });
  const password = 'information theory 1948';
  await ctx.step('the newcomer opens the link: who invited them, to what, until when', async () => {
    await page.getByRole('heading', { level: 1, name: 'Join Bell Labs' }).waitFor();
    assert(new URL(page.url()).pathname === '/console/accept-invitation', `served by the console: ${page.url()}`);
    await page.getByText(`Ada Lovelace invited ${email} to join Bell Labs.`).waitFor();
    await page.locator('[data-status="PENDING"]').getByText('Pending').waitFor();
    await ctx.screenshot(page, 'invitation');
  });

  await ctx.step('sets a name and password: signed in, on the directory', async () => {
    await page.getByLabel('First name').fill('Claude');
    await page.getByLabel('Last name').fill('Shannon');
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Language', { exact: true }).selectOption('en');
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
    await page.locator(`li[data-email="${email}"]`).waitFor();
    await page.locator('.me-name', { hasText: 'Claude Shannon' }).waitFor();
    assert(await signsIn(email, password), 'the chosen password signs in');
  });

  await ctx.step('the spent invitation link says it was accepted', async () => {
    await page.goto(ctx.base + asMailed(invitation));
    await page.locator('[data-status="ACCEPTED"]').waitFor();
    await page.getByRole('alert').getByText('This invitation was already accepted.').waitFor();
  });

  const newPassword = 'a mathematical theory 49';
  await ctx.step('signed out, "Forgot your password?" mails a reset link', async () => {
    await page.goto(`${ctx.base}/console/members`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Rollcall' }).waitFor();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await page.getByRole('status').filter({ hasText: 'a reset link is on its way' }).waitFor();
  });

  await ctx.step('the reset link: a new password, signed in', async () => {
    const reset = await ctx.link(email, '/reset-password');
    await page.goto(ctx.base + asMailed(reset));
    await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(`${newPassword}!`);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('alert').getByText('The two passwords differ.').waitFor();
    await page.getByLabel('Confirm new password').fill(newPassword);
    await ctx.screenshot(page, 'reset');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
    assert(await signsIn(email, newPassword), 'the new password signs in');
    assert(!(await signsIn(email, password)), 'the old password does not');
  });

  const renamed = ctx.unique('shannon');
  await ctx.step('a login email change, confirmed from its link (not used up by a scanner opening it)', async () => {
    const token = await signsIn(email, newPassword);
    await ctx.gql(
      `mutation($in: RequestEmailChangeInput!) { requestEmailChange(input: $in) }`,
      { in: { newEmail: renamed, currentPassword: newPassword } },
      token,
    );
    const link = await ctx.link(renamed, '/confirm-email');
    // A mail scanner fetches the link (following the redirect) before the person.
    const scanned = await fetch(ctx.base + asMailed(link));
    assert(scanned.ok, `the link's page loads: ${scanned.status}`);
    await page.goto(ctx.base + asMailed(link));
    await page.getByRole('heading', { level: 1, name: 'Confirm your new login email' }).waitFor();
    assert(!(await signsIn(renamed, newPassword)), 'opening the page changed nothing yet');
    await page.getByRole('button', { name: 'Confirm new email' }).click();
    await page.getByRole('status').getByText(`Done: you now sign in with ${renamed}.`).waitFor();
    await ctx.screenshot(page, 'confirmed');
    assert(await signsIn(renamed, newPassword), 'the new login email signs in');
    assert(!(await signsIn(email, newPassword)), 'the old one no longer does');
  });

  await ctx.step('someone with an account signs in from the invitation page and accepts', async () => {
    const grace = await ctx.signUp({ firstName: 'Grace', lastName: 'Hopper', organizationName: 'Navy' });
    await ctx.gql(INVITE, { in: { accountIds: [owner.accountId], emails: grace.email, role: 'MANAGER' } }, owner.token);
    const link = await ctx.link(grace.email, '/accept-invitation');
    const phone = await ctx.browser('existing', { viewport: PHONE, path: asMailed(link) });
    await phone.getByRole('heading', { level: 1, name: 'Join Bell Labs' }).waitFor();
    await phone.getByText('This address already has a Rollcall account').waitFor();
    await ctx.screenshot(phone, 'existing-signed-out');
    await phone.getByRole('link', { name: 'Sign in to accept' }).click();
    await phone.getByLabel('Email').fill(grace.email);
    await phone.getByLabel('Password').fill(grace.password);
    await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
    await phone.getByText(`You are signed in as ${grace.email}.`).waitFor();
    await phone.getByRole('button', { name: 'Accept invitation' }).click();
    await phone.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
    await phone.locator('.org-name', { hasText: 'Bell Labs' }).waitFor();
    await phone.locator(`li[data-email="${grace.email}"]`).waitFor();
    await ctx.screenshot(phone, 'existing-accepted');
  });

  await ctx.step('links with unknown tokens say so', async () => {
    const fresh = await ctx.browser('stranger', { path: '/accept-invitation?token=not-a-real-token' });
    await fresh.getByRole('alert').getByText('This link is no longer valid').waitFor();
    await fresh.goto(`${ctx.base}/verify-email?token=not-a-real-token`);
    await fresh.getByRole('heading', { level: 1, name: 'Verify your email address' }).waitFor();
    await fresh.getByRole('button', { name: 'Verify my address' }).click();
    await fresh.getByRole('alert').getByText('This link is no longer valid').waitFor();
    await ctx.screenshot(fresh, 'invalid');
  });
}

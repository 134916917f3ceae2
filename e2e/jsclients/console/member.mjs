// A member's page: the owner opens a member from the directory, sees them
// come online live, edits their name, phone and access level, sees a
// manager refused when editing an owner, signs a member out of every
// device, sends a password reset link, revokes one member's access with
// their contacts handed to another, and removes that other member from the
// organization after typing their email; the owner's own page offers no
// way to change their own access.
import { assert, PHONE, within } from './lib.mjs';

const MEMBERSHIPS = `query($id: ID!) { node(id: $id) { ... on User { memberships { role account { id } } } } }`;
const ASSIGNEE = `query($id: ID!) { node(id: $id) { ... on Contact { assignee { id } } } }`;

export default async function member(ctx) {
  const owner = await ctx.step('owner signs up', () =>
    ctx.signUp({ firstName: 'Olive', lastName: 'Owner', organizationName: 'Member Co' }),
  );
  const ann = await ctx.step('Ann joins as an agent', () =>
    ctx.addMember(owner, { role: 'AGENT', firstName: 'Ann', lastName: 'Agent', email: ctx.unique('ann') }),
  );
  const ben = await ctx.step('Ben joins as an agent', () =>
    ctx.addMember(owner, { role: 'AGENT', firstName: 'Ben', lastName: 'Backup', email: ctx.unique('ben') }),
  );
  const accountName = (await ctx.gql(`query($id: ID!) { account(id: $id) { name } }`, { id: owner.accountId }, owner.token)).account.name;
  const east = await ctx.step('a sub-account, which Ann reaches through the root account', async () => {
    const data = await ctx.gql(
      `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id name } }`,
      { in: { parentId: owner.accountId, name: `${accountName} East` } },
      owner.token,
    );
    return data.createAccount;
  });
  const contact = await ctx.step('a contact assigned to Ann', async () => {
    const data = await ctx.gql(
      `mutation($in: CreateContactInput!) { createContact(input: $in) { id assignee { id } } }`,
      { in: { accountId: owner.accountId, name: 'Carla Customer', email: 'carla@example.com', assigneeId: ann.userId } },
      owner.token,
    );
    assert(data.createContact.assignee?.id === ann.userId, 'the contact is assigned to Ann');
    return data.createContact;
  });

  const page = await ctx.step('owner signs in', async () => {
    const p = await ctx.browser('owner');
    await ctx.signIn(p, owner);
    return p;
  });

  await ctx.step("owner opens Ann's page from the directory", async () => {
    await page.getByRole('link', { name: 'Ann Agent', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /Ann Agent/ }).waitFor();
    assert(/\/console\/members\//.test(page.url()), `member URL: ${page.url()}`);
    await page.getByRole('link', { name: ann.email }).waitFor();
    await page.getByText('No phone number').waitFor();
    const row = page.locator(`tr[data-account="${accountName}"]`);
    await row.getByText('Agent', { exact: true }).waitFor();
    await row.getByText('Directly').waitFor();
    // The sub-account's access is inherited: shown, not editable there.
    const sub = page.locator(`tr[data-account="${east.name}"]`);
    await sub.getByText(`Inherited from ${accountName}`).waitFor();
    assert((await sub.getByRole('button').count()) === 0, 'an inherited access has no buttons');
    assert((await page.getByRole('button', { name: `Edit access to ${east.name}` }).count()) === 0, 'no edit of an inherited access');
    assert((await page.locator('.member-head [data-presence]').first().getAttribute('data-presence')) === 'OFFLINE', 'Ann starts offline');
  });

  const annPage = await ctx.step('Ann comes online: her dot turns live on the owner page', async () => {
    const p = await ctx.browser('ann');
    await ctx.signIn(p, ann);
    await within(10_000, "Ann's dot online", async () =>
      (await page.locator('.member-head .avatar .dot').getAttribute('data-presence').catch(() => null)) === 'ONLINE',
    );
    await page.locator('.member-head dd[data-presence="ONLINE"]').waitFor();
    return p;
  });

  await ctx.step("owner edits Ann's name and phone", async () => {
    await page.getByRole('button', { name: 'Edit name and phone' }).click();
    const form = page.getByRole('form', { name: 'Name and phone' });
    await form.getByLabel('First name').fill('Annie');
    await form.getByLabel('Phone').fill('+33 6 12 34 56 78');
    assert((await form.getByText(`The login email ${ann.email} can only be changed by its owner.`).count()) === 1, 'the email is not editable');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Name and phone saved.' }).waitFor();
    await page.getByRole('heading', { level: 1, name: /Annie Agent/ }).waitFor();
    await page.getByRole('link', { name: '+33612345678' }).waitFor();
    await form.getByRole('button', { name: 'Close' }).click();
  });

  await ctx.step("owner makes Ann a manager", async () => {
    await page.getByRole('button', { name: `Edit access to ${accountName}` }).click();
    const form = page.getByRole('form', { name: `Access to ${accountName}` });
    await form.getByLabel('Access level').selectOption('MANAGER');
    await form.getByRole('group', { name: 'Restrictions' }).waitFor();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: `Access to ${accountName} saved.` }).waitFor();
    await page.locator(`tr[data-account="${accountName}"]`).getByText('Manager', { exact: true }).waitFor();
    const data = await ctx.gql(MEMBERSHIPS, { id: ann.userId }, owner.token);
    const m = data.node.memberships.find((x) => x.account.id === owner.accountId);
    assert(m?.role === 'MANAGER', `Ann's role through the API: ${JSON.stringify(data.node.memberships)}`);
    await ctx.screenshot(page, 'desktop');
    await form.getByRole('button', { name: 'Close' }).click();
  });

  await ctx.step("Ann, now a manager, is refused when editing the owner's access", async () => {
    await annPage.goto(`${ctx.base}/console/members`);
    await annPage.getByRole('link', { name: 'Olive Owner', exact: true }).click();
    await annPage.getByRole('heading', { level: 1, name: /Olive Owner/ }).waitFor();
    await annPage.getByRole('button', { name: `Edit access to ${accountName}` }).click();
    const form = annPage.getByRole('form', { name: `Access to ${accountName}` });
    await form.getByLabel('Access level').selectOption('AGENT');
    await form.getByRole('button', { name: 'Save' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert((await alert.getAttribute('data-code')) === 'FORBIDDEN', `the API's refusal: ${await alert.getAttribute('data-code')}`);
    assert((await alert.textContent()).includes('You do not have permission to do this.'), 'the refusal in words');
    // Managers do not edit names or send password resets.
    assert((await annPage.getByRole('button', { name: 'Send password reset link' }).count()) === 0, 'no password reset for a manager');
  });

  await ctx.step('owner signs Ann out of every device: her console returns to sign-in', async () => {
    await page.getByRole('button', { name: 'Sign out of every device' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Sign Annie Agent out of every device?' });
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
    const notice = page.getByRole('status').filter({ hasText: /^Annie Agent was signed out of \d+ devices?\.$/ });
    await notice.waitFor();
    assert(Number(await notice.getAttribute('data-sessions')) >= 1, 'at least the browser session ended');
    await annPage.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    await within(15_000, "Ann's dot offline", async () =>
      (await page.locator('.member-head .avatar .dot').getAttribute('data-presence').catch(() => null)) === 'OFFLINE',
    );
  });

  await ctx.step('owner sends Ann a password reset link, after confirming', async () => {
    await page.getByRole('button', { name: 'Send password reset link' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Send a password reset link?' });
    await dialog.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('status').filter({ hasText: `A password reset link was sent to ${ann.email}.` }).waitFor();
    await ctx.link(ann.email, '/reset-password');
  });

  await ctx.step("owner revokes Ann's access, her contacts going to Ben", async () => {
    await page.getByRole('button', { name: `Revoke access to ${accountName}` }).click();
    const dialog = page.getByRole('alertdialog', { name: `Revoke access to ${accountName}?` });
    await dialog.getByText('This action cannot be undone.').waitFor();
    const confirm = dialog.getByRole('button', { name: 'Revoke access', exact: true });
    await dialog.getByLabel('Assign their contacts to another user').check();
    assert(await confirm.isDisabled(), 'revoking waits for a choice of who gets the contacts');
    await dialog.getByLabel('Assign contacts to').selectOption({ label: `Ben Backup (${ben.email})` });
    await ctx.screenshot(page, 'revoke-dialog');
    await confirm.click();
    const notice = page.getByRole('status').filter({ hasText: `Access to ${accountName} revoked.` });
    await notice.waitFor();
    assert((await notice.getAttribute('data-reassigned')) === '1', 'one contact reassigned');
    await notice.getByText('1 contact was reassigned to Ben Backup.').waitFor();
    const data = await ctx.gql(ASSIGNEE, { id: contact.id }, owner.token);
    assert(data.node.assignee?.id === ben.userId, `the contact's assignee is now Ben: ${JSON.stringify(data.node)}`);
    const left = await ctx.gql(MEMBERSHIPS, { id: ann.userId }, owner.token);
    assert(!left.node.memberships.some((x) => x.account.id === owner.accountId), 'Ann has no access to the account any more');
    await ctx.screenshot(page, 'revoked');
    await notice.getByRole('link', { name: 'Back to members' }).click();
    await page.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
    await page.locator(`li.member-row[data-email="${ben.email}"]`).waitFor();
    await within(5_000, 'Ann gone from the directory', async () => (await page.locator(`li.member-row[data-email="${ann.email}"]`).count()) === 0);
  });

  await ctx.step("Ben's page on a phone", async () => {
    const phone = await ctx.browser('owner-phone', { viewport: PHONE });
    await ctx.signIn(phone, owner);
    await phone.getByRole('link', { name: 'Ben Backup', exact: true }).click();
    await phone.getByRole('heading', { level: 1, name: /Ben Backup/ }).waitFor();
    await phone.locator(`tr[data-account="${accountName}"]`).getByText('Agent', { exact: true }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the page fits a phone's width (overflow ${overflow}px)`);
    await ctx.screenshot(phone, 'phone');
  });

  await ctx.step('owner removes Ben from the organization after typing his email', async () => {
    await page.getByRole('link', { name: 'Ben Backup', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /Ben Backup/ }).waitFor();
    await page.getByRole('button', { name: 'Remove from Member Co' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Remove Ben Backup from Member Co?' });
    const confirm = dialog.getByRole('button', { name: 'Remove from organization' });
    assert(await confirm.isDisabled(), 'removal waits for the email');
    await dialog.getByLabel('Assign their contacts to another user').check();
    await dialog.getByLabel('Assign contacts to').selectOption({ label: `Olive Owner (${owner.email})` });
    await dialog.getByLabel(`Type ${ben.email} to confirm`).fill('someone@example.com');
    assert(await confirm.isDisabled(), 'a wrong email keeps the button disabled');
    await dialog.getByLabel(`Type ${ben.email} to confirm`).fill(ben.email);
    assert(await confirm.isEnabled(), 'the email enables the button');
    await ctx.screenshot(page, 'remove-dialog');
    await confirm.click();
    await page.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
    await page.locator(`li.member-row[data-email="${owner.email}"]`).waitFor();
    await within(5_000, 'Ben gone from the directory', async () => (await page.locator(`li.member-row[data-email="${ben.email}"]`).count()) === 0);
    const data = await ctx.gql(ASSIGNEE, { id: contact.id }, owner.token);
    assert(data.node.assignee?.id === owner.userId, `the contact went to the owner: ${JSON.stringify(data.node)}`);
    const org = await ctx.gql(`query($id: ID!) { organization(id: $id) { members(first: 50) { edges { node { email } } } } }`, { id: owner.orgId }, owner.token);
    assert(!org.organization.members.edges.some((e) => e.node.email === ben.email), 'Ben is out of the organization directory');
  });

  await ctx.step("the owner's own page: no way to change their own access", async () => {
    await page.getByRole('link', { name: 'Olive Owner', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /Olive Owner/ }).waitFor();
    await page.getByText('You cannot change or revoke your own access: another user with the privilege to do so must do it.').waitFor();
    for (const name of [/^Edit/, /^Revoke/, /^Remove from/, 'Send password reset link', 'Sign out of every device']) {
      assert((await page.getByRole('button', { name }).count()) === 0, `no ${name} button on one's own page`);
    }
    await page.locator(`tr[data-account="${accountName}"]`).getByText('Owner', { exact: true }).waitFor();
    await ctx.screenshot(page, 'own-page');
  });

  await ctx.step('the page in French', async () => {
    await page.getByLabel('Console language').selectOption('fr');
    await page.getByRole('heading', { level: 2, name: 'Accès' }).waitFor();
    await page.getByText('Vous ne pouvez ni modifier ni révoquer votre propre accès').waitFor();
    await page.locator(`tr[data-account="${accountName}"]`).getByText('Propriétaire', { exact: true }).waitFor();
    await ctx.screenshot(page, 'own-page-fr');
  });
}

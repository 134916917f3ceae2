// Inviting people and looking after the invitations: an owner pastes
// three addresses (one new, one already a member, one that is no address,
// and the new one again), checks the preview, sends, and reads each
// address's outcome; then, on the invitations page, resends one
// invitation, changes another's access level and revokes a third, each
// checked on screen and through the API. A phone in French then reads the
// same list, opens the edit form and starts an invitation.
import { assert, PHONE, within } from './lib.mjs';

const INVITATIONS = `query($id: ID!, $status: [InvitationStatus!]) {
  account(id: $id) {
    invitations(status: $status, first: 100) {
      edges { node { id email firstName role status sendCount expiresAt restrictions { assignedContactsOnly dataExportBlocked } } }
    }
  }
}`;

export default async function invite(ctx) {
  const owner = await ctx.signUp();
  const member = await ctx.addMember(owner, { role: 'AGENT' });
  const carol = ctx.unique('carol');
  const dave = ctx.unique('dave');
  const erin = ctx.unique('erin');
  // Two invitations already waiting, sent over the API.
  await ctx.gql(
    `mutation($in: InviteUsersInput!) { inviteUsers(input: $in) { results { outcome } } }`,
    { in: { accountIds: [owner.accountId], emails: `${dave}, ${erin}`, role: 'AGENT' } },
    owner.token,
  );
  const invitations = async (status) =>
    (await ctx.gql(INVITATIONS, { id: owner.accountId, status }, owner.token)).account.invitations.edges.map((e) => e.node);
  const byEmail = async (email, status = null) => (await invitations(status)).find((i) => i.email === email);

  const page = await ctx.browser('owner');
  const main = page.locator('main');
  const status = main.getByRole('status');

  await ctx.step('sign in and open Invite from the navigation', async () => {
    await ctx.signIn(page, owner);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invite', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Invite people' }).waitFor();
  });

  await ctx.step('paste three addresses, choose a restricted manager, preview', async () => {
    // Carol a second time, in capitals: one invitation.
    await page.getByLabel('Email addresses').fill(`Carol Jones <${carol}>\n${member.email}\nnot-an-email; ${carol.toUpperCase()}`);
    await page.getByRole('radio', { name: 'Manager' }).check();
    await page.getByRole('checkbox', { name: 'Cannot export data' }).check();
    await ctx.screenshot(page, 'compose');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Check the list' }).waitFor();
    const summary = await status.textContent();
    assert(summary === '2 addresses to invite · 1 does not look like an email address · 1 listed twice', `preview summary: ${summary}`);
    const items = page.getByRole('list', { name: 'Addresses in the list' }).getByRole('listitem');
    assert((await items.count()) === 4, `preview lists ${await items.count()} entries`);
    assert((await items.nth(3).textContent()).includes('Listed twice: invited once'), 'the repeat is flagged');
    const bad = items.filter({ hasText: 'not-an-email' });
    assert((await bad.textContent()).includes('Not an email address') && (await bad.textContent()).includes('It has no @.'), 'the invalid entry is flagged');
    assert((await items.first().textContent()) === `${carol} · Carol Jones`, 'the pasted name shows');
    const org = await ctx.gql(`query($id: ID!) { organization(id: $id) { enabledProducts { name } } }`, { id: owner.orgId }, owner.token);
    const products = org.organization.enabledProducts.map((p) => p.name).join(', ');
    const access = `As Manager on Acme. Products: ${products}. Cannot export data.`;
    assert((await main.textContent()).includes(access), 'the preview says what access is given');
    await ctx.screenshot(page, 'preview');
  });

  await ctx.step('send, and read each address’s outcome', async () => {
    await page.getByRole('button', { name: 'Send invitations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invitations sent' }).waitFor();
    const summary = await status.textContent();
    assert(summary === '1 invited, 1 already a member, 1 invalid address', `outcome summary: ${summary}`);
    const items = page.getByRole('list', { name: 'What became of each address' }).getByRole('listitem');
    const outcome = async (text) => items.filter({ hasText: text }).getAttribute('data-outcome');
    assert((await outcome(carol)) === 'INVITED', 'carol invited');
    assert((await outcome(member.email)) === 'ALREADY_MEMBER', 'the member is already one');
    assert((await outcome('not-an-email')) === 'INVALID_EMAIL', 'the non-address is invalid');
    assert((await items.filter({ hasText: carol }).textContent()).includes('The link in the email works until'), 'the expiry shows');
    await ctx.screenshot(page, 'outcomes');
    const inv = await byEmail(carol, ['PENDING']);
    assert(inv && inv.role === 'MANAGER' && inv.restrictions.dataExportBlocked && !inv.restrictions.assignedContactsOnly, `API: ${JSON.stringify(inv)}`);
    assert(inv.firstName === 'Carol Jones', `the pasted name is kept: ${inv.firstName}`);
    await ctx.link(carol, '/accept-invitation');
  });

  const list = page.getByRole('list', { name: /^Invitations to / });
  const row = (email) => list.getByRole('listitem').filter({ hasText: email });

  await ctx.step('open Invitations: the three pending ones', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
    await page.getByRole('heading', { level: 1, name: /^Invitations/ }).waitFor();
    await row(carol).waitFor();
    for (const email of [carol, dave, erin]) {
      assert((await row(email).getAttribute('data-status')) === 'PENDING', `${email} is pending`);
      assert((await row(email).textContent()).includes('Pending'), `${email} shows a Pending badge`);
    }
    assert((await row(member.email).count()) === 0, 'the member has no invitation left');
    await ctx.screenshot(page, 'invitations');
  });

  await ctx.step('search the list', async () => {
    await page.getByRole('searchbox', { name: 'Search by email or name' }).fill('dave');
    await within(5000, 'only dave listed', async () => (await list.getByRole('listitem').count()) === 1 && (await row(dave).count()) === 1);
    await page.getByRole('searchbox', { name: 'Search by email or name' }).fill('');
    await row(carol).waitFor();
  });

  await ctx.step('resend one: a new link and expiry', async () => {
    const before = await byEmail(dave);
    await row(dave).getByRole('button', { name: `Resend: ${dave}` }).click();
    await within(5000, 'resent notice', async () => (await status.textContent()).includes(`Sent again to ${dave}. The new link works until`));
    await within(5000, 'row shows two sends', async () => (await row(dave).textContent()).includes('Sent 2 times'));
    const after = await byEmail(dave);
    assert(after.sendCount === 2 && after.expiresAt >= before.expiresAt, `API after resend: ${JSON.stringify(after)}`);
    await within(10_000, 'a second mail', async () => ctx.mails(dave).length === 2);
  });

  await ctx.step('edit one: agent becomes admin', async () => {
    await row(erin).getByRole('button', { name: `Edit: ${erin}` }).click();
    const dialog = page.getByRole('dialog', { name: `Edit the invitation to ${erin}` });
    await dialog.waitFor();
    assert(await dialog.getByRole('radio', { name: 'Agent' }).isChecked(), 'the current role is chosen');
    await dialog.getByRole('radio', { name: 'Admin' }).check();
    assert((await dialog.getByRole('group', { name: 'Restrictions' }).count()) === 0, 'restrictions are for managers and agents only');
    await dialog.getByLabel('First name').fill('Erin');
    await ctx.screenshot(page, 'edit');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await within(5000, 'saved notice', async () => (await status.textContent()).includes(`The invitation to ${erin} was saved.`));
    await within(5000, 'row shows Admin', async () => (await row(erin).textContent()).includes('Admin'));
    const inv = await byEmail(erin);
    assert(inv.role === 'ADMIN' && inv.firstName === 'Erin', `API after edit: ${JSON.stringify(inv)}`);
  });

  await ctx.step('revoke one, confirming', async () => {
    await row(carol).getByRole('button', { name: `Revoke: ${carol}` }).click();
    const dialog = page.getByRole('alertdialog', { name: `Revoke the invitation to ${carol}?` });
    await dialog.waitFor();
    assert((await dialog.textContent()).includes('cannot be undone'), 'the dialog says it cannot be undone');
    await ctx.screenshot(page, 'revoke');
    await dialog.getByRole('button', { name: 'Revoke invitation' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await within(5000, 'revoked notice', async () => (await status.textContent()).includes(`The invitation to ${carol} was revoked.`));
    await within(5000, 'row gone from the pending list', async () => (await row(carol).count()) === 0);
    assert((await byEmail(carol)).status === 'REVOKED', 'API: revoked');
    await page.getByLabel('Status').selectOption({ label: 'Revoked' });
    await within(5000, 'listed under Revoked', async () => (await row(carol).count()) === 1 && (await row(carol).getAttribute('data-status')) === 'REVOKED');
    assert((await row(carol).getByRole('button').count()) === 0, 'a revoked invitation has no actions');
  });

  await ctx.step('phone, in French: the invitations and the edit form', async () => {
    const phone = await ctx.browser('phone', { viewport: PHONE, locale: 'fr-FR' });
    await ctx.signIn(phone, owner);
    await phone.getByRole('navigation', { name: 'Principale' }).getByRole('link', { name: 'Invitations' }).click();
    const plist = phone.getByRole('list', { name: /^Invitations à / });
    await plist.getByRole('listitem').filter({ hasText: dave }).waitFor();
    const davesRow = plist.getByRole('listitem').filter({ hasText: dave });
    assert((await davesRow.textContent()).includes('Envoyée 2 fois'), `French row: ${await davesRow.textContent()}`);
    assert((await davesRow.textContent()).includes('En attente'), 'French status');
    assert((await plist.getByRole('listitem').count()) === 2, 'dave and erin pending');
    await ctx.screenshot(phone, 'phone-invitations');
    await davesRow.getByRole('button', { name: `Modifier: ${dave}` }).click();
    const dialog = phone.getByRole('dialog', { name: `Modifier l'invitation de ${dave}` });
    await dialog.waitFor();
    await ctx.screenshot(phone, 'phone-edit');
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await phone.getByRole('navigation', { name: 'Principale' }).getByRole('link', { name: 'Inviter', exact: true }).click();
    await phone.getByRole('heading', { level: 1, name: 'Inviter des personnes' }).waitFor();
    await phone.getByLabel('Adresses e-mail').fill(`Zoé <${ctx.unique('zoe')}>`);
    await phone.getByRole('group', { name: 'À propos de cette personne (facultatif)' }).waitFor();
    await ctx.screenshot(phone, 'phone-invite');
  });
}

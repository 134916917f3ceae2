// The audit log: an owner invites people and changes a member's access
// through the API, then reads the log in the console: filtered by action it
// shows only those events (as many as the API counts), a member's access
// change reads as before/after, and filtering by the person acted on
// narrows it to them. Desktop and phone.
import { assert, PHONE, within } from './lib.mjs';

const COUNT = `query($org: ID!, $filter: AuditFilter) { organization(id: $org) { auditLog(filter: $filter) { totalCount } } }`;

export default async function (ctx) {
  const owner = await ctx.signUp({ firstName: 'Ada', lastName: 'Lovelace', organizationName: 'Analytical Engines' });
  let bob;
  await ctx.step('the owner invites two people and makes one of them a manager (API)', async () => {
    bob = await ctx.addMember(owner, { role: 'AGENT', firstName: 'Bob', lastName: 'Babbage' });
    await ctx.gql(
      `mutation($in: InviteUsersInput!) { inviteUsers(input: $in) { results { outcome } } }`,
      { in: { accountIds: [owner.accountId], emails: ctx.unique('pending'), role: 'AGENT' } },
      owner.token,
    );
    await ctx.gql(
      `mutation($in: UpdateMemberInput!) { updateMember(input: $in) { role } }`,
      { in: { accountId: owner.accountId, userId: bob.userId, role: 'MANAGER' } },
      owner.token,
    );
  });
  const count = async (filter) => (await ctx.gql(COUNT, { org: owner.orgId, filter }, owner.token)).organization.auditLog.totalCount;

  const page = await ctx.browser('owner');
  const table = page.getByRole('table', { name: 'Audit log events' });
  const rows = table.locator(':scope > tbody > tr');
  const actionsShown = async () => rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.action));

  await ctx.step('open the audit log: every event, newest first', async () => {
    await ctx.signIn(page, owner);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: /^Audit log/ }).waitFor();
    const total = await count(null);
    await page.getByRole('heading', { level: 1, name: `Audit log ${total} events` }).waitFor();
    await within(3000, 'every event listed', async () => (await rows.count()) === total);
    const shown = await actionsShown();
    assert(shown[0] === 'MEMBER_UPDATED', `the newest event comes first: ${shown.join(', ')}`);
    assert(shown.at(-1) === 'ORGANIZATION_CREATED', `the oldest comes last: ${shown.join(', ')}`);
  });

  await ctx.step('filter by "Invitation sent": only those, as many as the API counts', async () => {
    await page.getByRole('group', { name: 'Actions' }).getByRole('checkbox', { name: 'Invitation sent' }).check();
    const want = await count({ actions: ['INVITATION_SENT'] });
    assert(want === 2, `two invitations were sent (${want})`);
    await within(3000, 'only invitations sent', async () => {
      const shown = await actionsShown();
      return shown.length === want && shown.every((a) => a === 'INVITATION_SENT');
    });
    await page.getByRole('heading', { level: 1, name: `Audit log ${want} events` }).waitFor();
  });

  await ctx.step('add "Member access changed": the change reads as before and after', async () => {
    await page.getByRole('checkbox', { name: 'Member access changed' }).check();
    await within(3000, 'invitations sent and the access change', async () => {
      const shown = await actionsShown();
      return shown.length === 3 && shown.every((a) => a === 'INVITATION_SENT' || a === 'MEMBER_UPDATED');
    });
    const change = table.locator('tr[data-action="MEMBER_UPDATED"]');
    const diff = change.locator('table.diff tr.changed', { hasText: 'Access level' });
    assert((await diff.locator('del').textContent()) === 'Agent', 'before: Agent');
    assert((await diff.locator('ins').textContent()) === 'Manager', 'after: Manager');
    assert((await change.getByText('Bob Babbage').count()) === 1, 'the member acted on is named');
    await ctx.screenshot(page, 'filtered');
  });

  await ctx.step('filter by the person acted on: only what was done to Bob', async () => {
    await page.getByRole('searchbox', { name: 'Done to' }).fill('bab');
    await page.getByRole('list', { name: 'People matching, for “Done to”' }).getByRole('button', { name: /Bob Babbage/ }).click();
    await page.getByRole('button', { name: 'Clear Done to: Bob Babbage' }).waitFor();
    await within(3000, "only Bob's access change", async () => {
      const shown = await actionsShown();
      return shown.length === 1 && shown[0] === 'MEMBER_UPDATED';
    });
    await page.getByRole('button', { name: 'Clear Done to: Bob Babbage' }).click();
    await page.getByRole('button', { name: 'Reset filters' }).click();
    const total = await count(null);
    await within(3000, 'every event again', async () => (await rows.count()) === total);
    await ctx.screenshot(page, 'desktop');
  });

  await ctx.step('the audit log on a phone', async () => {
    const phone = await ctx.browser('phone', { viewport: PHONE });
    await ctx.signIn(phone, owner);
    await phone.goto(`${ctx.base}/console/audit`);
    await phone.getByRole('heading', { level: 1, name: /^Audit log/ }).waitFor();
    await phone.getByRole('checkbox', { name: 'Member access changed' }).check();
    await phone.locator('tr[data-action="MEMBER_UPDATED"]').waitFor();
    await within(3000, 'only the access change', async () => (await phone.locator('table[aria-label="Audit log events"] > tbody > tr').count()) === 1);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
    await ctx.screenshot(phone, 'phone');
  });
}

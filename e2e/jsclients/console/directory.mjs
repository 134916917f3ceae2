// The directory of an account with 45 people (seeded by the Go test):
// endless scroll, type-ahead search (accents ignored), filters, ordering,
// CSV export, and the same page on a phone.
import { readFileSync } from 'node:fs';

import { assert, PHONE, within } from './lib.mjs';

const rows = (page) => page.locator('ul.members').first().locator('li.member-row');

async function names(page) {
  return rows(page).locator('.name').allTextContents();
}

export default async function (ctx) {
  const { owner, members } = ctx.fixture;
  const total = members + 1;
  const page = await ctx.browser('owner');
  await ctx.step('the owner signs in', () => ctx.signIn(page, owner));

  await ctx.step('the first page, with the count', async () => {
    await page.getByText(`${total} people`).waitFor();
    await within(5000, 'the first page', async () => (await rows(page).count()) === 30);
    const first = await names(page);
    // MariaDB's unicode_ci collation sorts É with E; SQLite's NOCASE by code point.
    const cmp =
      ctx.fixture.store === 'sqlite'
        ? (a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)
        : (a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' });
    const sorted = [...first].sort(cmp);
    assert(JSON.stringify(first) === JSON.stringify(sorted), `NAME order: ${first.join(', ')}`);
    await ctx.screenshot(page, 'directory');
  });

  await ctx.step('endless scroll loads the rest', async () => {
    await page.locator('.sentinel').scrollIntoViewIfNeeded();
    await within(5000, 'every member listed', async () => (await rows(page).count()) === total);
    await page.getByText('That is everyone.').waitFor();
  });

  await ctx.step('type-ahead search, accents ignored', async () => {
    const search = page.getByLabel('Search by name or email');
    await search.fill('elo');
    await within(5000, 'only Élodie', async () => {
      const n = await names(page);
      return n.length === 3 && n.every((x) => x.startsWith('Élodie'));
    });
    await search.fill('');
    await within(5000, 'the list back', async () => (await rows(page).count()) === 30);
  });

  await ctx.step('filter by access level', async () => {
    await page.getByLabel('Access level').selectOption('ADMIN');
    await within(5000, 'only admins', async () => {
      const badges = await rows(page).locator('.badge').allTextContents();
      return badges.length === 8 && badges.every((b) => b === 'Admin');
    });
    await page.getByLabel('Access level').selectOption('');
  });

  await ctx.step('filter by status: only the owner is online', async () => {
    await page.getByLabel('Status').selectOption('ONLINE');
    await within(5000, 'one online', async () => {
      const emails = await rows(page).evaluateAll((els) => els.map((e) => e.dataset.email));
      return emails.length === 1 && emails[0] === owner.email;
    });
    await page.getByLabel('Status').selectOption('');
  });

  await ctx.step('order by email', async () => {
    await page.getByLabel('Sort by').selectOption('EMAIL.ASC');
    await within(5000, 'email order', async () => {
      const emails = await rows(page).evaluateAll((els) => els.map((e) => e.dataset.email));
      return emails.length === 30 && emails[0] === 'ada.lovelace@example.com' && emails[1].startsWith('amara.');
    });
  });

  await ctx.step('CSV export downloads every member', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const file = await download.path();
    const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    assert(/email/i.test(lines[0]), `a header line: ${lines[0]}`);
    assert(lines.length === total + 1, `${lines.length - 1} rows, want ${total}`);
    assert(download.suggestedFilename().endsWith('-members.csv'), download.suggestedFilename());
  });

  await ctx.step('on a phone', async () => {
    await page.setViewportSize(PHONE);
    await page.getByLabel('Sort by').selectOption('NAME.ASC');
    await within(5000, 'the list', async () => (await rows(page).count()) === 30);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await ctx.screenshot(page, 'directory-phone');
  });

  await ctx.step('keyboard: the skip link and the search are reachable', async () => {
    await page.goto(`${ctx.base}/console/members`);
    await page.getByRole('heading', { level: 1, name: /^Members/ }).waitFor();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    assert(focused === 'Skip to content', `first Tab reaches ${focused}`);
    await page.keyboard.press('Enter');
    const inMain = await page.evaluate(() => document.activeElement?.id);
    assert(inMain === 'main', `the skip link moves focus to main, not ${inMain}`);
  });
}

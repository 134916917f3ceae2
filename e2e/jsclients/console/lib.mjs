// The harness of the console scenarios: browsers, the API, the mailbox,
// steps, waits and screenshots. A scenario is `export default async (ctx)`.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

import { versionOf } from '../lib.mjs';

// The flags the project runs Chromium with, and a fresh profile each.
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

export const PASSWORD = 'correct horse battery';
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

export class Ctx {
  constructor(base, scenario) {
    this.base = base.replace(/\/$/, '');
    this.scenario = scenario;
    this.mailDir = process.env.ROLLCALL_MAIL_DIR || '';
    this.artifacts = resolve(process.env.ROLLCALL_ARTIFACTS || '../artifacts');
    this.chromium = process.env.ROLLCALL_CHROMIUM || '/usr/bin/chromium';
    this.current = null;
    this.steps = [];
    this.screenshots = [];
    this.pageErrors = [];
    this.consoleErrors = [];
    this.cspViolations = [];
    // Answers PERSISTED_QUERY_NOT_FOUND to the console's hashes: none is
    // expected, since a node trusts the console's manifest.
    this.persistedMisses = [];
    this.contexts = [];
    this.browserVersion = '';
    this.seq = 0;
    // What e2e/console_test.go seeded for this scenario, if anything.
    this.fixture = process.env.ROLLCALL_FIXTURE ? JSON.parse(process.env.ROLLCALL_FIXTURE) : null;
  }

  report() {
    return {
      scenario: this.scenario,
      browser: this.browserVersion,
      playwright: versionOf('playwright-core'),
      steps: this.steps,
      screenshots: this.screenshots,
      pageErrors: this.pageErrors,
      consoleErrors: this.consoleErrors,
      cspViolations: this.cspViolations,
      persistedMisses: this.persistedMisses,
    };
  }

  // step runs fn as a named step and records how long it took.
  async step(name, fn) {
    this.current = name;
    const start = Date.now();
    const out = await fn();
    this.steps.push({ name, ms: Date.now() - start });
    this.current = null;
    return out;
  }

  // browser starts a separate Chromium (its own profile: its own storage,
  // so its own session) and returns a page of it at path.
  async browser(label, { viewport = DESKTOP, path = '/console/', locale = 'en-US' } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-console-'));
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: this.chromium,
      headless: true,
      args: ARGS,
      viewport,
      locale,
    });
    this.browserVersion = context.browser()?.version() ?? this.browserVersion;
    this.contexts.push({ context, dir });
    const page = context.pages()[0] ?? (await context.newPage());
    page.label = label;
    page.on('pageerror', (e) => this.pageErrors.push(`${label}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource|WebSocket connection to .* failed/.test(m.text())) {
        this.consoleErrors.push(`${label}: ${m.text()}`);
      }
    });
    page.on('response', async (r) => {
      if (!r.url().startsWith(`${this.base}/query`) || r.status() !== 400) return;
      const body = await r.text().catch(() => '');
      if (body.includes('PERSISTED_QUERY_NOT_FOUND')) this.persistedMisses.push(`${label}: ${r.request().postData()?.slice(0, 120)}`);
    });
    await page.exposeFunction('__cspViolation', (v) => this.cspViolations.push(`${label}: ${v}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    await page.goto(this.base + path);
    return page;
  }

  async screenshot(page, name) {
    const file = join(this.artifacts, `console-${this.scenario}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    this.screenshots.push(file);
    return file;
  }

  async screenshotAll(name) {
    for (const { context } of this.contexts) {
      for (const p of context.pages()) {
        await this.screenshot(p, `${name}-${p.label ?? 'page'}`);
      }
    }
  }

  async close() {
    for (const { context, dir } of this.contexts) {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
    this.contexts = [];
  }

  // gql runs an operation against the API over HTTP and returns its data,
  // throwing on any error.
  async gql(query, variables = {}, token = null) {
    const res = await fetch(`${this.base}/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors?.length) {
      throw new Error(`API: ${JSON.stringify(body.errors)}`);
    }
    return body.data;
  }

  // unique returns an address no other scenario of this run uses.
  unique(local) {
    this.seq++;
    return `${local}.${Date.now().toString(36)}${this.seq}@example.com`;
  }

  // signUp creates an organization over the API: its owner's token,
  // credentials, user id and root account id.
  async signUp({ email = this.unique('owner'), firstName = 'Ada', lastName = 'Lovelace', organizationName = 'Acme' } = {}) {
    const data = await this.gql(
      `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id organizations { id rootAccount { id } } } } }`,
      { in: { email, password: PASSWORD, firstName, lastName, organizationName } },
    );
    const u = data.signUp.user;
    return {
      token: data.signUp.token,
      email,
      password: PASSWORD,
      userId: u.id,
      orgId: u.organizations[0].id,
      accountId: u.organizations[0].rootAccount.id,
    };
  }

  // addMember invites email to accountId as role and accepts the link from
  // the mailbox: the new person's token, credentials and user id.
  async addMember(owner, { email = this.unique('member'), role = 'AGENT', firstName = 'Bob', lastName = 'Builder', accountId = owner.accountId } = {}) {
    await this.gql(
      `mutation($in: InviteUsersInput!) { inviteUsers(input: $in) { results { outcome } } }`,
      { in: { accountIds: [accountId], emails: email, role } },
      owner.token,
    );
    const token = await this.linkToken(email, '/accept-invitation');
    const data = await this.gql(
      `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { token user { id } } }`,
      { in: { token, password: PASSWORD, firstName, lastName } },
    );
    return { token: data.acceptInvitation.token, email, password: PASSWORD, userId: data.acceptInvitation.user.id };
  }

  // mails returns the messages written to the node's mail folder for to.
  mails(to) {
    if (!this.mailDir) throw new Error('ROLLCALL_MAIL_DIR is not set');
    let names = [];
    try {
      names = readdirSync(this.mailDir).filter((n) => n.endsWith('.eml')).sort();
    } catch {
      return [];
    }
    const out = [];
    for (const n of names) {
      // Quoted-printable bodies: join soft line breaks, decode =XX.
      const raw = readFileSync(join(this.mailDir, n), 'utf8');
      const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      if (new RegExp(`^To:.*${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'mi').test(text)) out.push(text);
    }
    return out;
  }

  // link waits (up to 10 s) for a mail to `to` holding a link to path and
  // returns the newest such link's URL.
  async link(to, path) {
    const re = new RegExp(`https?://[^\\s"<>]*${path}\\?token=[A-Za-z0-9_-]+`, 'g');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const links = this.mails(to).flatMap((m) => m.match(re) ?? []);
      if (links.length) return links[links.length - 1];
      await sleep(50);
    }
    throw new Error(`no mail to ${to} with a ${path} link within 10 s`);
  }

  async linkToken(to, path) {
    return new URL(await this.link(to, path)).searchParams.get('token');
  }

  // signIn signs page in through the console's form and waits for the directory.
  async signIn(page, who) {
    await page.goto(`${this.base}/console/signin`);
    await page.getByLabel(/^(Email|Adresse e-mail)$/).fill(who.email);
    await page.getByLabel(/^(Password|Mot de passe)$/).fill(who.password);
    await page.getByRole('button', { name: /^(Sign in|Se connecter)$/ }).click();
    await page.getByRole('heading', { level: 1, name: /^(Members|Membres)/ }).waitFor({ timeout: 10_000 });
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// within waits until fn() is truthy, polling every 20 ms; it throws after
// ms with what, and returns how long it took.
export async function within(ms, what, fn) {
  const start = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// My profile: a person edits their names, phone and default sending
// country (the phone read against it and shown in E.164), sees a bad phone
// refused at its field, switches the console to French through their
// preferred language and back, flips notification switches, and changes
// their password: the old one stops signing in and their other device (the
// API session) is signed out, while this one stays. Desktop and phone.
// Then the owner, the last one, is refused leaving the organization, and a
// member leaves it.
import { assert, PHONE } from './lib.mjs';

const ME = `query { me { firstName lastName displayName phone defaultSendingCountry preferredLanguage
  notificationPreferences { desktopNotifications browserBadges sounds } } }`;
const SIGN_IN = `mutation($in: SignInInput!) { signIn(input: $in) { token } }`;

export default async function (ctx) {
  const marie = await ctx.signUp({ firstName: 'Marie', lastName: 'Curie', organizationName: 'Institut du Radium' });
  const me = async (token = marie.token) => (await ctx.gql(ME, {}, token)).me;
  const laptop = await ctx.browser('laptop');
  const details = laptop.getByRole('form', { name: 'Personal details' });

  await ctx.step('sign in and open My profile', async () => {
    await ctx.signIn(laptop, marie);
    await laptop.getByRole('link', { name: 'My profile' }).click();
    await laptop.getByRole('heading', { level: 1, name: 'My profile' }).waitFor();
    assert((await details.getByLabel('First name').inputValue()) === 'Marie', 'the form shows the first name');
    assert((await details.getByLabel('Display name').inputValue()) === '', 'no display name chosen yet');
  });

  await ctx.step('a phone that is no phone number is refused at its field', async () => {
    await details.getByLabel('Phone').fill('12');
    await details.getByRole('button', { name: 'Save profile' }).click();
    const phone = details.getByLabel('Phone');
    await details.locator('input[type="tel"][aria-invalid="true"]').waitFor();
    const describedBy = await phone.getAttribute('aria-describedby');
    const errId = describedBy.split(' ').find((id) => id.endsWith('-error'));
    assert(errId, 'the phone field is described by its error');
    const text = await laptop.locator(`[id="${errId}"]`).textContent();
    assert(/phone number|country code/i.test(text), `the phone's own message shows at the field: ${text}`);
    assert((await me()).phone === null, 'nothing was saved');
  });

  await ctx.step('edit names, country and phone: saved, phone shown in E.164', async () => {
    await details.getByLabel('First name').fill('Maria');
    await details.getByLabel('Last name').fill('Skłodowska-Curie');
    await details.getByLabel('Display name').fill('Marie Curie');
    await details.getByLabel('Default sending country').selectOption('FR');
    await details.getByLabel('Phone').fill('06 12 34 56 78');
    await details.getByRole('button', { name: 'Save profile' }).click();
    await details.getByRole('status').getByText('Your profile was saved.').waitFor();
    assert((await details.getByLabel('Phone').inputValue()) === '+33612345678', 'the phone is shown as stored, in E.164');
    const m = await me();
    assert(m.firstName === 'Maria' && m.lastName === 'Skłodowska-Curie' && m.displayName === 'Marie Curie', `names saved: ${JSON.stringify(m)}`);
    assert(m.phone === '+33612345678' && m.defaultSendingCountry === 'FR', `phone and country saved: ${JSON.stringify(m)}`);
    await laptop.locator('.me-name', { hasText: 'Marie Curie' }).waitFor();
    await ctx.screenshot(laptop, 'desktop');
  });

  await ctx.step('preferred language French: the console speaks French, then back to English', async () => {
    await details.getByLabel('Preferred language').selectOption('fr');
    await details.getByRole('button', { name: 'Save profile' }).click();
    await laptop.getByRole('heading', { level: 1, name: 'Mon profil' }).waitFor();
    await laptop.getByRole('link', { name: 'Membres' }).waitFor();
    const fr = laptop.getByRole('form', { name: 'Informations personnelles' });
    await fr.getByRole('status').getByText('Votre profil a été enregistré.').waitFor();
    assert((await laptop.locator('html').getAttribute('lang')) === 'fr', 'the document says it is French');
    assert((await me()).preferredLanguage === 'fr', 'the preferred language is saved');
    await ctx.screenshot(laptop, 'french');
    await fr.getByLabel('Langue préférée').selectOption('en');
    await fr.getByRole('button', { name: 'Enregistrer le profil' }).click();
    await laptop.getByRole('heading', { level: 1, name: 'My profile' }).waitFor();
    assert((await me()).preferredLanguage === 'en', 'back to English');
  });

  await ctx.step('notification switches are saved as they are flipped', async () => {
    const before = (await me()).notificationPreferences;
    const region = laptop.getByRole('region', { name: 'Notifications' });
    const sounds = region.getByRole('switch', { name: 'Sounds' });
    assert((await sounds.isChecked()) === before.sounds, 'the switch shows the saved value');
    await sounds.click();
    await region.getByRole('status').getByText('Notification settings saved.').waitFor();
    await region.getByRole('switch', { name: 'Desktop notifications' }).click();
    await laptop.waitForFunction(() => [...document.querySelectorAll('input[role="switch"]')].every((i) => !i.disabled));
    const after = (await me()).notificationPreferences;
    assert(after.sounds === !before.sounds, 'sounds flipped');
    assert(after.desktopNotifications === !before.desktopNotifications, 'desktop notifications flipped');
    assert(after.browserBadges === before.browserBadges, 'badges untouched');
    assert((await sounds.isChecked()) === after.sounds, 'the switch shows the new value');
  });

  const newPassword = 'a much better secret 2';
  await ctx.step('change password: the old one no longer signs in, other devices are signed out', async () => {
    const form = laptop.getByRole('form', { name: 'Password', exact: true });
    await form.getByText('signs out every other device').waitFor();
    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill(newPassword);
    await form.getByLabel('Confirm new password').fill(newPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.locator('.field-error', { hasText: /current password is incorrect/i }).waitFor();

    await form.getByLabel('Current password').fill(marie.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').getByText('Your password was changed. Your other devices were signed out.').waitFor();

    let refused = '';
    try {
      await ctx.gql(SIGN_IN, { in: { email: marie.email, password: marie.password } });
    } catch (e) {
      refused = String(e.message);
    }
    assert(refused.includes('UNAUTHENTICATED'), `the old password no longer signs in: ${refused || 'it did'}`);
    const ok = await ctx.gql(SIGN_IN, { in: { email: marie.email, password: newPassword } });
    assert(ok.signIn.token, 'the new password signs in');
    const other = await ctx.gql('query { me { id } }', {}, marie.token).catch((e) => ({ error: String(e.message) }));
    assert(other.me === null || other.error?.includes('UNAUTHENTICATED'), `the API session (another device) was signed out: ${JSON.stringify(other)}`);
    // This device stays signed in.
    await laptop.reload();
    await laptop.getByRole('heading', { level: 1, name: 'My profile' }).waitFor();
  });

  await ctx.step('the profile on a phone', async () => {
    const phone = await ctx.browser('phone', { viewport: PHONE });
    await ctx.signIn(phone, { ...marie, password: newPassword });
    await phone.goto(`${ctx.base}/console/profile`);
    await phone.getByRole('heading', { level: 1, name: 'My profile' }).waitFor();
    assert((await phone.getByLabel('Phone').inputValue()) === '+33612345678', 'the phone shows the saved number');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
    await ctx.screenshot(phone, 'phone');
  });

  await ctx.step('the last owner cannot leave the organization', async () => {
    await laptop.getByRole('button', { name: 'Leave Institut du Radium' }).click();
    const dialog = laptop.getByRole('alertdialog', { name: 'Leave Institut du Radium?' });
    await dialog.getByRole('button', { name: 'Leave', exact: true }).click();
    const alert = laptop.getByRole('alert');
    await alert.waitFor();
    assert((await alert.getAttribute('data-code')) === 'CONFLICT', 'the refusal is CONFLICT');
  });

  await ctx.step('a member leaves: no organization is left to show', async () => {
    // Marie's API session ended with the password change: a new one.
    const token = (await ctx.gql(SIGN_IN, { in: { email: marie.email, password: newPassword } })).signIn.token;
    const pierre = await ctx.addMember({ ...marie, token }, { firstName: 'Pierre', lastName: 'Curie', role: 'AGENT' });
    const b = await ctx.browser('member');
    await ctx.signIn(b, pierre);
    await b.goto(`${ctx.base}/console/profile`);
    await b.getByRole('button', { name: 'Leave Institut du Radium' }).click();
    await b.getByRole('alertdialog').getByRole('button', { name: 'Leave', exact: true }).click();
    await b.getByText('You are not part of any organization').waitFor();
    const orgs = (await ctx.gql('query { me { organizations { id } } }', {}, pierre.token)).me.organizations;
    assert(orgs.length === 0, `Pierre left: ${JSON.stringify(orgs)}`);
    await ctx.screenshot(b, 'left');
  });
}

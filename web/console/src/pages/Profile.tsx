// My profile: names, phone and its default country, language, where mail
// goes, avatar; notification switches; the login email (verified or not,
// and changing it); the password. Every change is the viewer's own: the API
// checks the current password where a stolen session alone must not do.
import { useMutation, useQuery } from '@apollo/client/react';
import { useId, useMemo, useState, type FormEvent } from 'react';

import { Avatar, ErrorText, Field, PreferredLanguageSelect, type FieldMessage } from '../components/ui';
import { fieldError, formError } from '../errors';
import { graphql } from '../gql';
import type { MyProfileQuery, UpdateProfileInput } from '../gql/graphql';
import { defineMessages, pickLanguage, useLanguage, useT, type Language } from '../i18n';
import { common } from '../i18n/common';
import { DeleteAccount } from './DeleteAccount';
import { LeaveOrganization } from './LeaveOrganization';

const MyProfile = graphql(`
  query MyProfile {
    me {
      id
      email
      communicationEmail
      emailVerified
      firstName
      lastName
      displayName
      phone
      defaultSendingCountry
      preferredLanguage
      avatarUrl
      notificationPreferences {
        desktopNotifications
        browserBadges
        sounds
      }
    }
  }
`);

const UpdateProfile = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
      firstName
      lastName
      displayName
      phone
      defaultSendingCountry
      preferredLanguage
      communicationEmail
      avatarUrl
    }
  }
`);

const UpdateNotifications = graphql(`
  mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {
    updateNotificationPreferences(input: $input) {
      desktopNotifications
      browserBadges
      sounds
    }
  }
`);

const ChangePassword = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input)
  }
`);

const RequestEmailChange = graphql(`
  mutation RequestEmailChange($input: RequestEmailChangeInput!) {
    requestEmailChange(input: $input)
  }
`);

const RequestEmailVerification = graphql(`
  mutation RequestEmailVerification {
    requestEmailVerification
  }
`);

const m = defineMessages({
  en: {
    title: 'My profile',
    intro: 'How you appear to your colleagues, and how Rollcall reaches you.',
    details: 'Personal details',
    firstName: 'First name',
    lastName: 'Last name',
    displayName: 'Display name',
    displayNameHint: 'Shown instead of your first and last name. Leave empty to use them.',
    phone: 'Phone',
    phoneHint: 'Without a leading + and country code, the number is read as one of your default sending country. It is saved in international form, like +33612345678.',
    country: 'Default sending country',
    noCountry: 'None',
    countryHint: 'Used to read phone numbers written without their country code.',
    language: 'Preferred language',
    languageHint: 'The language of the console and of the mail we send you.',
    commEmail: 'Communication email',
    commEmailHint: 'Where notifications go. Leave your login email to use it. A new address gets a confirmation link, and mail keeps going to the current one until it is followed.',
    commPassword: 'Current password (to change where your mail goes)',
    avatar: 'Avatar image address',
    avatarHint: 'An https:// address of a square image. Leave empty for your initials.',
    avatarHttps: 'Use an address that starts with https://.',
    saveProfile: 'Save profile',
    saving: 'Saving…',
    profileSaved: 'Your profile was saved.',
    nothingChanged: 'Nothing to save: no field was changed.',
    commPending: 'We mailed a confirmation link to {email}. Until you follow it, notifications keep going to {current}.',
    notifications: 'Notifications',
    notificationsIntro: 'How the console gets your attention on this and your other devices.',
    desktopNotifications: 'Desktop notifications',
    browserBadges: 'Badge on the browser tab',
    sounds: 'Sounds',
    prefSaved: 'Notification settings saved.',
    loginEmail: 'Login email',
    loginEmailIs: 'You sign in with {email}.',
    verified: 'Verified',
    notVerified: 'Not verified',
    notVerifiedHelp: 'Prove this address is yours: we mail a link that works for 24 hours.',
    sendVerification: 'Send verification link',
    verificationSent: 'We sent a verification link to {email}. It works for 24 hours.',
    newEmail: 'New login email',
    currentPassword: 'Current password',
    changeEmail: 'Change login email',
    emailChangeHelp: 'We mail a confirmation link (valid 24 hours) to the new address; your login email changes only when it is followed. Your current address is told about the request.',
    emailChangeSent: 'We sent a confirmation link to {email}. Your login email stays {current} until you follow it.',
    password: 'Password',
    passwordHelp: 'Changing your password signs out every other device signed in to your account; this one stays signed in.',
    newPassword: 'New password',
    newPasswordHint: 'At least 8 characters.',
    confirmPassword: 'Confirm new password',
    mismatch: 'The two passwords differ.',
    changePassword: 'Change password',
    passwordChanged: 'Your password was changed. Your other devices were signed out.',
  },
  fr: {
    title: 'Mon profil',
    intro: 'Comment vos collègues vous voient, et comment Rollcall vous joint.',
    details: 'Informations personnelles',
    firstName: 'Prénom',
    lastName: 'Nom',
    displayName: "Nom d'affichage",
    displayNameHint: 'Affiché à la place de vos prénom et nom. Laissez vide pour les utiliser.',
    phone: 'Téléphone',
    phoneHint: "Sans + ni indicatif, le numéro est lu comme un numéro de votre pays d'envoi par défaut. Il est enregistré au format international, par exemple +33612345678.",
    country: "Pays d'envoi par défaut",
    noCountry: 'Aucun',
    countryHint: 'Sert à lire les numéros de téléphone saisis sans indicatif.',
    language: 'Langue préférée',
    languageHint: 'La langue de la console et des e-mails que nous vous envoyons.',
    commEmail: 'Adresse de communication',
    commEmailHint: "Là où arrivent les notifications. Laissez votre adresse de connexion pour l'utiliser. Une nouvelle adresse reçoit un lien de confirmation ; le courrier continue d'aller à l'adresse actuelle tant qu'il n'est pas suivi.",
    commPassword: 'Mot de passe actuel (pour changer la destination de vos e-mails)',
    avatar: "Adresse de l'image d'avatar",
    avatarHint: 'Une adresse https:// d’une image carrée. Laissez vide pour afficher vos initiales.',
    avatarHttps: 'Utilisez une adresse qui commence par https://.',
    saveProfile: 'Enregistrer le profil',
    saving: 'Enregistrement…',
    profileSaved: 'Votre profil a été enregistré.',
    nothingChanged: "Rien à enregistrer : aucun champ n'a été modifié.",
    commPending: "Nous avons envoyé un lien de confirmation à {email}. Tant que vous ne l'avez pas suivi, les notifications continuent d'arriver à {current}.",
    notifications: 'Notifications',
    notificationsIntro: 'Comment la console attire votre attention sur cet appareil et vos autres appareils.',
    desktopNotifications: 'Notifications sur le bureau',
    browserBadges: "Pastille sur l'onglet du navigateur",
    sounds: 'Sons',
    prefSaved: 'Réglages des notifications enregistrés.',
    loginEmail: 'Adresse de connexion',
    loginEmailIs: 'Vous vous connectez avec {email}.',
    verified: 'Vérifiée',
    notVerified: 'Non vérifiée',
    notVerifiedHelp: 'Prouvez que cette adresse est la vôtre : nous envoyons un lien valable 24 heures.',
    sendVerification: 'Envoyer un lien de vérification',
    verificationSent: 'Nous avons envoyé un lien de vérification à {email}. Il est valable 24 heures.',
    newEmail: 'Nouvelle adresse de connexion',
    currentPassword: 'Mot de passe actuel',
    changeEmail: "Changer l'adresse de connexion",
    emailChangeHelp: "Nous envoyons un lien de confirmation (valable 24 heures) à la nouvelle adresse ; votre adresse de connexion ne change qu'une fois ce lien suivi. Votre adresse actuelle est prévenue de la demande.",
    emailChangeSent: "Nous avons envoyé un lien de confirmation à {email}. Votre adresse de connexion reste {current} tant que vous ne l'avez pas suivi.",
    password: 'Mot de passe',
    passwordHelp: 'Changer votre mot de passe déconnecte tous les autres appareils connectés à votre compte ; celui-ci reste connecté.',
    newPassword: 'Nouveau mot de passe',
    newPasswordHint: 'Au moins 8 caractères.',
    confirmPassword: 'Confirmez le nouveau mot de passe',
    mismatch: 'Les deux mots de passe sont différents.',
    changePassword: 'Changer le mot de passe',
    passwordChanged: 'Votre mot de passe a été changé. Vos autres appareils ont été déconnectés.',
  },
});

type T = ReturnType<typeof useT<keyof (typeof m)['en']>>;
type Me = NonNullable<MyProfileQuery['me']>;

export function ProfilePage() {
  const t = useT(m);
  const tc = useT(common);
  const { data, error } = useQuery(MyProfile);
  const me = data?.me;
  return (
    <section aria-labelledby="profile-title" className="profile">
      <div className="page-head">
        <div className="profile-head">
          {me && <Avatar name={me.displayName} url={me.avatarUrl} size={56} />}
          <div>
            <h1 id="profile-title">{t('title')}</h1>
            <p className="muted">{t('intro')}</p>
          </div>
        </div>
      </div>
      <ErrorText error={error} />
      {!me ? (
        !error && <p role="status">{tc('loading')}</p>
      ) : (
        <div className="profile-sections">
          <ProfileForm me={me} t={t} />
          <NotificationSettings me={me} t={t} />
          <LoginEmail me={me} t={t} />
          <PasswordForm t={t} />
          <LeaveOrganization />
          <DeleteAccount />
        </div>
      )}
    </section>
  );
}

// ISO 3166-1 alpha-2 codes of the countries and territories with their own
// calling plans; names come from the browser in the reader's language.
const COUNTRIES = (
  'AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS ' +
  'MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT PW PY QA RE RO RS RU ' +
  'RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
  'UA UG US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

interface ProfileValues {
  firstName: string;
  lastName: string;
  displayName: string;
  phone: string;
  defaultSendingCountry: string;
  preferredLanguage: string;
  communicationEmail: string;
  avatarUrl: string;
}

type ProfileField = keyof ProfileValues | 'currentPassword';
const PROFILE_FIELDS: readonly ProfileField[] = [
  'firstName',
  'lastName',
  'displayName',
  'phone',
  'defaultSendingCountry',
  'preferredLanguage',
  'communicationEmail',
  'avatarUrl',
  'currentPassword',
];

function valuesOf(u: {
  firstName: string;
  lastName: string;
  displayName: string;
  phone?: string | null;
  defaultSendingCountry?: string | null;
  preferredLanguage: string;
  communicationEmail: string;
  avatarUrl?: string | null;
}, displayNameSet: boolean): ProfileValues {
  return {
    firstName: u.firstName,
    lastName: u.lastName,
    // displayName falls back to first and last name: the field holds only a
    // name the person chose.
    displayName: displayNameSet ? u.displayName : '',
    phone: u.phone ?? '',
    defaultSendingCountry: u.defaultSendingCountry ?? '',
    preferredLanguage: u.preferredLanguage,
    communicationEmail: u.communicationEmail,
    avatarUrl: u.avatarUrl ?? '',
  };
}

function chosenDisplayName(u: { firstName: string; lastName: string; displayName: string }): boolean {
  return u.displayName !== `${u.firstName} ${u.lastName}`.trim();
}

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function ProfileForm({ me, t }: { me: Me; t: T }) {
  const { lang, setLang } = useLanguage();
  const [saved, setSaved] = useState<ProfileValues>(() => valuesOf(me, chosenDisplayName(me)));
  const [v, setV] = useState<ProfileValues>(saved);
  const [currentPassword, setCurrentPassword] = useState('');
  const [localErrors, setLocalErrors] = useState<Partial<Record<ProfileField, string>>>({});
  // What the last save did, worded at render time (a save may switch the language).
  const [notice, setNotice] = useState<{ kind: 'saved' | 'nothing'; pending?: { email: string; current: string } } | null>(null);
  const [update, { loading, error, reset }] = useMutation(UpdateProfile);
  const set = (k: keyof ProfileValues) => (e: { target: { value: string } }) => {
    setV({ ...v, [k]: e.target.value });
    setLocalErrors({ ...localErrors, [k]: undefined });
  };

  const countries = useMemo(() => {
    let names: Intl.DisplayNames | null = null;
    try {
      names = new Intl.DisplayNames([lang], { type: 'region' });
    } catch {
      names = null;
    }
    const codes = saved.defaultSendingCountry && !COUNTRIES.includes(saved.defaultSendingCountry) ? [...COUNTRIES, saved.defaultSendingCountry] : COUNTRIES;
    return codes.map((c) => ({ code: c, name: names?.of(c) ?? c })).sort((a, b) => a.name.localeCompare(b.name, lang));
  }, [lang, saved.defaultSendingCountry]);

  // A new address for notifications (not the login email, not the current
  // one) needs the current password.
  const commChanged = !sameEmail(v.communicationEmail, saved.communicationEmail);
  const needsPassword = commChanged && v.communicationEmail.trim() !== '' && !sameEmail(v.communicationEmail, me.email);

  const err = (f: ProfileField): FieldMessage | null => {
    const local = localErrors[f];
    if (local) return { local };
    return fieldError(error, f);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    reset();
    const avatar = v.avatarUrl.trim();
    if (avatar && !/^https:\/\//i.test(avatar)) {
      setLocalErrors({ avatarUrl: t('avatarHttps') });
      return;
    }
    const input: UpdateProfileInput = {};
    let changed = false;
    for (const k of Object.keys(v) as (keyof ProfileValues)[]) {
      const now = k === 'communicationEmail' ? v[k].trim() : v[k];
      const was = saved[k];
      if (k === 'communicationEmail' ? !sameEmail(now, was) : now !== was) {
        input[k] = now;
        changed = true;
      }
    }
    if (!changed) {
      setNotice({ kind: 'nothing' });
      return;
    }
    if (needsPassword) input.currentPassword = currentPassword;
    const res = await update({ variables: { input } }).catch(() => null);
    const u = res?.data?.updateProfile;
    if (!u) return;
    const next = valuesOf(u, chosenDisplayName(u));
    setSaved(next);
    setV(next);
    setCurrentPassword('');
    if (input.preferredLanguage !== undefined) {
      const l: Language | null = pickLanguage(u.preferredLanguage);
      if (l) setLang(l);
    }
    const pending = needsPassword && !sameEmail(u.communicationEmail, v.communicationEmail);
    setNotice({ kind: 'saved', pending: pending ? { email: v.communicationEmail.trim(), current: u.communicationEmail } : undefined });
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="details-title" noValidate>
      <h2 id="details-title">{t('details')}</h2>
      <div className="row">
        <Field label={t('firstName')} error={err('firstName')}>
          {(id, a) => <input id={id} {...a} required autoComplete="given-name" maxLength={100} value={v.firstName} onChange={set('firstName')} />}
        </Field>
        <Field label={t('lastName')} error={err('lastName')}>
          {(id, a) => <input id={id} {...a} autoComplete="family-name" maxLength={100} value={v.lastName} onChange={set('lastName')} />}
        </Field>
      </div>
      <Field label={t('displayName')} hint={t('displayNameHint')} error={err('displayName')}>
        {(id, a) => <input id={id} {...a} autoComplete="nickname" maxLength={200} value={v.displayName} onChange={set('displayName')} />}
      </Field>
      <div className="row">
        <Field label={t('country')} hint={t('countryHint')} error={err('defaultSendingCountry')}>
          {(id, a) => (
            <select id={id} {...a} value={v.defaultSendingCountry} onChange={set('defaultSendingCountry')}>
              <option value="">{t('noCountry')}</option>
              {countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('phone')} hint={t('phoneHint')} error={err('phone')}>
          {(id, a) => <input id={id} {...a} type="tel" autoComplete="tel" maxLength={40} value={v.phone} onChange={set('phone')} />}
        </Field>
      </div>
      <Field label={t('language')} hint={t('languageHint')} error={err('preferredLanguage')}>
        {(id, a) => <PreferredLanguageSelect id={id} {...a} value={v.preferredLanguage} onChange={(l) => set('preferredLanguage')({ target: { value: l } })} />}
      </Field>
      <Field label={t('commEmail')} hint={t('commEmailHint')} error={err('communicationEmail')}>
        {(id, a) => <input id={id} {...a} type="email" autoComplete="email" maxLength={254} value={v.communicationEmail} onChange={set('communicationEmail')} />}
      </Field>
      {needsPassword && (
        <Field label={t('commPassword')} error={err('currentPassword')}>
          {(id, a) => (
            <input id={id} {...a} type="password" autoComplete="current-password" required value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} />
          )}
        </Field>
      )}
      <Field label={t('avatar')} hint={t('avatarHint')} error={err('avatarUrl')}>
        {(id, a) => <input id={id} {...a} type="url" inputMode="url" maxLength={2048} placeholder="https://" value={v.avatarUrl} onChange={set('avatarUrl')} />}
      </Field>
      <ErrorText error={formError(error, PROFILE_FIELDS)} />
      <div role="status">
        {notice && (
          <p className="notice">
            {notice.kind === 'nothing' ? t('nothingChanged') : t('profileSaved')}
            {notice.pending && <> {t('commPending', notice.pending)}</>}
          </p>
        )}
      </div>
      <button type="submit" className="primary" disabled={loading}>
        {loading ? t('saving') : t('saveProfile')}
      </button>
    </form>
  );
}

const PREFS = ['desktopNotifications', 'browserBadges', 'sounds'] as const;
type Pref = (typeof PREFS)[number];

function NotificationSettings({ me, t }: { me: Me; t: T }) {
  const [update, { loading, error, data }] = useMutation(UpdateNotifications);
  const [busy, setBusy] = useState<Pref | null>(null);
  const ids = { desktopNotifications: useId(), browserBadges: useId(), sounds: useId() };
  const prefs = me.notificationPreferences;

  const toggle = async (k: Pref, on: boolean) => {
    setBusy(k);
    try {
      await update({
        variables: { input: { [k]: on } },
        // The preferences have no id of their own: they are their person's.
        update(cache, res) {
          const next = res.data?.updateNotificationPreferences;
          if (!next) return;
          cache.modify({
            id: cache.identify({ __typename: 'User', id: me.id }),
            fields: { notificationPreferences: () => next },
          });
        },
      });
    } catch {
      // shown below
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="notif-title">
      <h2 id="notif-title">{t('notifications')}</h2>
      <fieldset className="toggles">
        <legend>{t('notificationsIntro')}</legend>
        {PREFS.map((k) => (
          <div className="check toggle" key={k}>
            <input
              id={ids[k]}
              type="checkbox"
              role="switch"
              checked={prefs[k]}
              disabled={busy === k}
              onChange={(e) => void toggle(k, e.target.checked)}
            />
            <label htmlFor={ids[k]}>{t(k)}</label>
          </div>
        ))}
      </fieldset>
      <ErrorText error={error} />
      <div role="status">{data && !loading && !error && <p className="muted small">{t('prefSaved')}</p>}</div>
    </section>
  );
}

function LoginEmail({ me, t }: { me: Me; t: T }) {
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [request, change] = useMutation(RequestEmailChange);
  const [verify, verification] = useMutation(RequestEmailVerification);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSentTo(null);
    const to = newEmail.trim();
    const res = await request({ variables: { input: { newEmail: to, currentPassword: password } } }).catch(() => null);
    if (res?.data?.requestEmailChange) {
      setSentTo(to);
      setNewEmail('');
      setPassword('');
    }
  };

  return (
    <section className="card" aria-labelledby="login-email-title">
      <h2 id="login-email-title">{t('loginEmail')}</h2>
      <p>
        {t('loginEmailIs', { email: me.email })}{' '}
        <span className={`badge ${me.emailVerified ? 'verified' : 'unverified'}`} data-verified={me.emailVerified}>
          {me.emailVerified ? t('verified') : t('notVerified')}
        </span>
      </p>
      {!me.emailVerified && (
        <div className="inline-action">
          <p className="muted small">{t('notVerifiedHelp')}</p>
          <button type="button" onClick={() => void verify().catch(() => {})} disabled={verification.loading}>
            {t('sendVerification')}
          </button>
          <ErrorText error={verification.error} />
          <div role="status">{verification.data && <p className="notice">{t('verificationSent', { email: me.email })}</p>}</div>
        </div>
      )}
      <form onSubmit={submit} aria-labelledby="change-email-title" noValidate>
        <h3 id="change-email-title">{t('changeEmail')}</h3>
        <p className="muted small">{t('emailChangeHelp')}</p>
        <div className="row">
          <Field label={t('newEmail')} error={fieldError(change.error, 'newEmail')}>
            {(id, a) => <input id={id} {...a} type="email" autoComplete="email" required maxLength={254} value={newEmail} onChange={(e) => setNewEmail(e.target.value)} />}
          </Field>
          <Field label={t('currentPassword')} error={fieldError(change.error, 'currentPassword')}>
            {(id, a) => (
              <input id={id} {...a} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            )}
          </Field>
        </div>
        <ErrorText error={formError(change.error, ['newEmail', 'currentPassword'])} />
        <div role="status">{sentTo && <p className="notice">{t('emailChangeSent', { email: sentTo, current: me.email })}</p>}</div>
        <button type="submit" disabled={change.loading || !newEmail.trim() || !password}>
          {t('changeEmail')}
        </button>
      </form>
    </section>
  );
}

function PasswordForm({ t }: { t: T }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const [change, { loading, error, reset }] = useMutation(ChangePassword);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    reset();
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    const res = await change({ variables: { input: { currentPassword: current, newPassword: next } } }).catch(() => null);
    if (res?.data?.changePassword) {
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirm('');
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="password-title" noValidate>
      <h2 id="password-title">{t('password')}</h2>
      <p className="muted small">{t('passwordHelp')}</p>
      <Field label={t('currentPassword')} error={fieldError(error, 'currentPassword')}>
        {(id, a) => <input id={id} {...a} type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />}
      </Field>
      <div className="row">
        <Field label={t('newPassword')} hint={t('newPasswordHint')} error={fieldError(error, 'newPassword')}>
          {(id, a) => (
            <input id={id} {...a} type="password" autoComplete="new-password" required minLength={8} value={next} onChange={(e) => setNext(e.target.value)} />
          )}
        </Field>
        <Field label={t('confirmPassword')} error={mismatch ? { local: t('mismatch') } : null}>
          {(id, a) => (
            <input
              id={id}
              {...a}
              type="password"
              autoComplete="new-password"
              required
              value={confirm}
              onChange={(e) => {
                setConfirm(e.target.value);
                setMismatch(false);
              }}
            />
          )}
        </Field>
      </div>
      <ErrorText error={formError(error, ['currentPassword', 'newPassword'])} />
      <div role="status">{done && <p className="notice">{t('passwordChanged')}</p>}</div>
      <button type="submit" className="primary" disabled={loading || !current || !next || !confirm}>
        {t('changePassword')}
      </button>
    </form>
  );
}

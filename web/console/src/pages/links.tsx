// The pages of the links the API mails: accepting an invitation, resetting
// a password, confirming a new login email, verifying an address. They
// work signed in or not. A link's token is spent only by a button press,
// never on load: mail scanners that open links to check them must not use
// them up.
import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';

import { useAuth, useSignOut } from '../auth';
import { ErrorText, Field, PreferredLanguageSelect, type FieldMessage } from '../components/ui';
import { apiError, fieldError, formError } from '../errors';
import { graphql } from '../gql';
import { dateTime, defineMessages, pickLanguage, useLanguage, useT, type Language } from '../i18n';
import { common } from '../i18n/common';

const Preview = graphql(`
  query InvitationPreview($token: String!) {
    invitationPreview(token: $token) {
      email
      organizationName
      accountNames
      invitedByName
      expiresAt
      status
      existingUser
    }
  }
`);

const WhoAmI = graphql(`
  query LinkViewer {
    me {
      id
      email
    }
  }
`);

const Accept = graphql(`
  mutation AcceptInvitation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
      token
      user {
        id
        preferredLanguage
        organizations {
          id
          name
          accounts {
            id
            name
          }
        }
      }
    }
  }
`);

const ResetPassword = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) {
      token
    }
  }
`);

const RequestReset = graphql(`
  mutation RequestPasswordResetFromLink($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

const ConfirmEmail = graphql(`
  mutation ConfirmEmailChange($token: String!) {
    confirmEmailChange(token: $token) {
      id
      email
    }
  }
`);

const VerifyEmail = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token) {
      id
      email
      emailVerified
      communicationEmail
    }
  }
`);

const m = defineMessages({
  en: {
    invitationTitle: 'Join {org}',
    invitationTitlePlain: 'Invitation',
    invitedBy: '{name} invited {email} to join {org}.',
    invitedNoName: '{email} is invited to join {org}.',
    accounts: 'Access to',
    expires: 'Expires',
    status: 'Status',
    createAccount: 'Create your account to accept.',
    firstName: 'First name',
    lastName: 'Last name',
    password: 'Password',
    passwordHint: 'At least 8 characters.',
    phone: 'Phone (optional)',
    phoneHint: 'With + and the country code, like +33 6 12 34 56 78.',
    language: 'Language',
    accept: 'Accept invitation',
    acceptAndJoin: 'Create account and join',
    existingSignedIn: 'You are signed in as {email}. Accept to add {org} to your organizations.',
    existingSignIn: 'This address already has a Rollcall account. Sign in as {email} to accept.',
    signInToAccept: 'Sign in to accept',
    wrongPerson: 'You are signed in as {me}, but this invitation is for {email}. Sign out, then sign in as {email} to accept.',
    signOut: 'Sign out',
    invalidLink: 'This link is not valid. Check that you opened the whole link from the mail, or ask for a new one.',
    goToConsole: 'Go to the console',
    goToSignIn: 'Go to sign in',
    resetTitle: 'Choose a new password',
    resetHelp: 'Setting a new password signs you out of every device; you stay signed in here.',
    newPassword: 'New password',
    confirmPassword: 'Confirm new password',
    mismatch: 'The two passwords differ.',
    setPassword: 'Set new password',
    requestTitle: 'Reset your password',
    requestHelp: 'Enter the email you sign in with: we mail you a link to choose a new password.',
    email: 'Email',
    sendLink: 'Email me a reset link',
    resetSent: 'If this address has an account, a reset link is on its way. It works for 30 minutes.',
    backToSignIn: 'Back to sign in',
    confirmTitle: 'Confirm your new login email',
    confirmHelp: 'Press the button to make the address this link was sent to your login email.',
    confirmButton: 'Confirm new email',
    confirmed: 'Done: you now sign in with {email}.',
    verifyTitle: 'Verify your email address',
    verifyHelp: 'Press the button to confirm this address is yours.',
    verifyButton: 'Verify my address',
    verified: 'Thank you: {email} is verified.',
    verifiedComm: 'Thank you: your address is confirmed. Notifications now go to {email}.',
    missingToken: 'This page needs the link from the mail we sent you, with its token.',
  },
  fr: {
    invitationTitle: 'Rejoindre {org}',
    invitationTitlePlain: 'Invitation',
    invitedBy: '{name} invite {email} à rejoindre {org}.',
    invitedNoName: '{email} est invité à rejoindre {org}.',
    accounts: 'Accès à',
    expires: 'Expire le',
    status: 'Statut',
    createAccount: 'Créez votre compte pour accepter.',
    firstName: 'Prénom',
    lastName: 'Nom',
    password: 'Mot de passe',
    passwordHint: 'Au moins 8 caractères.',
    phone: 'Téléphone (facultatif)',
    phoneHint: "Avec + et l'indicatif du pays, par exemple +33 6 12 34 56 78.",
    language: 'Langue',
    accept: "Accepter l'invitation",
    acceptAndJoin: 'Créer mon compte et rejoindre',
    existingSignedIn: 'Vous êtes connecté en tant que {email}. Acceptez pour ajouter {org} à vos organisations.',
    existingSignIn: 'Cette adresse a déjà un compte Rollcall. Connectez-vous en tant que {email} pour accepter.',
    signInToAccept: 'Se connecter pour accepter',
    wrongPerson: 'Vous êtes connecté en tant que {me}, mais cette invitation est pour {email}. Déconnectez-vous, puis connectez-vous en tant que {email} pour accepter.',
    signOut: 'Se déconnecter',
    invalidLink: "Ce lien n'est pas valable. Vérifiez que vous avez ouvert le lien complet de l'e-mail, ou demandez-en un nouveau.",
    goToConsole: 'Aller à la console',
    goToSignIn: 'Aller à la connexion',
    resetTitle: 'Choisissez un nouveau mot de passe',
    resetHelp: 'Définir un nouveau mot de passe vous déconnecte de tous vos appareils ; vous restez connecté ici.',
    newPassword: 'Nouveau mot de passe',
    confirmPassword: 'Confirmez le nouveau mot de passe',
    mismatch: 'Les deux mots de passe sont différents.',
    setPassword: 'Définir le nouveau mot de passe',
    requestTitle: 'Réinitialiser votre mot de passe',
    requestHelp: "Saisissez l'adresse avec laquelle vous vous connectez : nous vous envoyons un lien pour choisir un nouveau mot de passe.",
    email: 'Adresse e-mail',
    sendLink: "M'envoyer un lien de réinitialisation",
    resetSent: 'Si cette adresse a un compte, un lien de réinitialisation arrive. Il est valable 30 minutes.',
    backToSignIn: 'Retour à la connexion',
    confirmTitle: 'Confirmez votre nouvelle adresse de connexion',
    confirmHelp: "Appuyez sur le bouton pour que l'adresse à laquelle ce lien a été envoyé devienne votre adresse de connexion.",
    confirmButton: 'Confirmer la nouvelle adresse',
    confirmed: "C'est fait : vous vous connectez désormais avec {email}.",
    verifyTitle: 'Vérifiez votre adresse e-mail',
    verifyHelp: 'Appuyez sur le bouton pour confirmer que cette adresse est la vôtre.',
    verifyButton: 'Vérifier mon adresse',
    verified: 'Merci : {email} est vérifiée.',
    verifiedComm: 'Merci : votre adresse est confirmée. Les notifications arrivent désormais à {email}.',
    missingToken: "Cette page a besoin du lien de l'e-mail que nous vous avons envoyé, avec son jeton.",
  },
});

type Tr = ReturnType<typeof useT<keyof (typeof m)['en']>>;

function LinkPage({ titleId, title, children }: { titleId: string; title: string; children: ReactNode }) {
  return (
    <main className="auth-page" id="main">
      <section className="card auth-card link-card" aria-labelledby={titleId}>
        <h1 id={titleId}>{title}</h1>
        {children}
      </section>
    </main>
  );
}

// ContinueLink: onwards to the console (or to sign-in when signed out).
function ContinueLink({ t }: { t: Tr }) {
  const { token } = useAuth();
  return (
    <p>
      <Link className="button primary" to={token ? '/members' : '/signin'}>
        {token ? t('goToConsole') : t('goToSignIn')}
      </Link>
    </p>
  );
}

// A link's failure shown as the API named it (expired, used, revoked…).
function LinkProblem({ code, t }: { code: string; t: Tr }) {
  const tc = useT(common);
  const key = `error.${code}` as keyof (typeof common)['en'];
  return (
    <>
      <p className="error" role="alert" data-code={code}>
        {key in common.en ? tc(key) : t('invalidLink')}
      </p>
      <ContinueLink t={t} />
    </>
  );
}

function useToken(): string {
  const [params] = useSearchParams();
  return params.get('token')?.trim() ?? '';
}

// The password pair of a new password, checked to match before sending.
function NewPassword({
  t,
  label,
  value,
  confirm,
  onValue,
  onConfirm,
  error,
  mismatch,
}: {
  t: Tr;
  label: string;
  value: string;
  confirm?: string;
  onValue(v: string): void;
  onConfirm?(v: string): void;
  error: FieldMessage | null;
  mismatch?: boolean;
}) {
  return (
    <>
      <Field label={label} hint={t('passwordHint')} error={error}>
        {(id, a) => <input id={id} {...a} type="password" autoComplete="new-password" required minLength={8} value={value} onChange={(e) => onValue(e.target.value)} />}
      </Field>
      {onConfirm && (
        <Field label={t('confirmPassword')} error={mismatch ? { local: t('mismatch') } : null}>
          {(id, a) => <input id={id} {...a} type="password" autoComplete="new-password" required value={confirm} onChange={(e) => onConfirm(e.target.value)} />}
        </Field>
      )}
    </>
  );
}

export function AcceptInvitationPage() {
  const t = useT(m);
  const tc = useT(common);
  const { lang } = useLanguage();
  const token = useToken();
  const auth = useAuth();
  const preview = useQuery(Preview, { variables: { token }, skip: !token, fetchPolicy: 'network-only' });
  const who = useQuery(WhoAmI, { skip: !auth.token });
  const p = preview.data?.invitationPreview;

  if (!token) {
    return (
      <LinkPage titleId="invite-title" title={t('invitationTitlePlain')}>
        <LinkProblem code="TOKEN_INVALID" t={t} />
      </LinkPage>
    );
  }
  if (preview.error || !preview.data) {
    return (
      <LinkPage titleId="invite-title" title={t('invitationTitlePlain')}>
        {preview.error ? <ErrorText error={preview.error} /> : <p role="status">{tc('loading')}</p>}
      </LinkPage>
    );
  }
  if (!p) {
    return (
      <LinkPage titleId="invite-title" title={t('invitationTitlePlain')}>
        <LinkProblem code="TOKEN_INVALID" t={t} />
      </LinkPage>
    );
  }
  const problem =
    p.status === 'EXPIRED' ? 'INVITATION_EXPIRED' : p.status === 'REVOKED' ? 'INVITATION_REVOKED' : p.status === 'ACCEPTED' ? 'INVITATION_ALREADY_ACCEPTED' : null;
  const signedInAs = who.data?.me?.email ?? null;

  return (
    <LinkPage titleId="invite-title" title={t('invitationTitle', { org: p.organizationName })}>
      <p>
        {p.invitedByName
          ? t('invitedBy', { name: p.invitedByName, email: p.email, org: p.organizationName })
          : t('invitedNoName', { email: p.email, org: p.organizationName })}
      </p>
      <dl className="kv invitation-facts">
        <div>
          <dt>{t('accounts')}</dt>
          <dd>{p.accountNames.join(', ')}</dd>
        </div>
        <div>
          <dt>{t('expires')}</dt>
          <dd>
            <time dateTime={p.expiresAt}>{dateTime(lang, p.expiresAt)}</time>
          </dd>
        </div>
        <div>
          <dt>{t('status')}</dt>
          <dd>
            <span className={`badge status-${p.status.toLowerCase()}`} data-status={p.status}>
              {tc(`status.${p.status}`)}
            </span>
          </dd>
        </div>
      </dl>
      {problem ? (
        <LinkProblem code={problem} t={t} />
      ) : !p.existingUser ? (
        <NewPersonForm token={token} t={t} org={p.organizationName} accountNames={p.accountNames} />
      ) : auth.token && who.loading && !who.data ? (
        <p role="status">{tc('loading')}</p>
      ) : signedInAs && signedInAs.toLowerCase() === p.email.toLowerCase() ? (
        <ExistingAccept token={token} t={t} email={signedInAs} org={p.organizationName} accountNames={p.accountNames} />
      ) : signedInAs ? (
        <WrongPerson t={t} me={signedInAs} email={p.email} />
      ) : (
        <>
          <p>{t('existingSignIn', { email: p.email })}</p>
          <p>
            <Link className="button primary" to={`/signin?next=${encodeURIComponent(`/accept-invitation?token=${token}`)}`}>
              {t('signInToAccept')}
            </Link>
          </p>
        </>
      )}
    </LinkPage>
  );
}

// After accepting: sign in with the new session and open the account the
// invitation gave (the first of the invited organization found by name).
function useAfterAccept(org: string, accountNames: string[]) {
  const { signIn } = useAuth();
  const { setLang } = useLanguage();
  const navigate = useNavigate();
  return (payload: { token: string; user: { preferredLanguage: string; organizations: { name: string; accounts: { id: string; name: string }[] }[] } }, lang?: Language | null) => {
    const o = payload.user.organizations.find((x) => x.name === org);
    const account = o?.accounts.find((a) => accountNames.includes(a.name)) ?? o?.accounts[0];
    if (account) localStorage.setItem('rollcall.account', account.id);
    signIn(payload.token);
    const l = lang ?? pickLanguage(payload.user.preferredLanguage);
    if (l) setLang(l);
    navigate(account ? `/members?account=${encodeURIComponent(account.id)}` : '/members', { replace: true });
  };
}

const NEW_PERSON_FIELDS = ['firstName', 'lastName', 'password', 'phone', 'preferredLanguage'] as const;

function NewPersonForm({ token, t, org, accountNames }: { token: string; t: Tr; org: string; accountNames: string[] }) {
  const { lang } = useLanguage();
  const done = useAfterAccept(org, accountNames);
  const [form, setForm] = useState({ firstName: '', lastName: '', password: '', phone: '', preferredLanguage: lang as string });
  const [accept, { loading, error }] = useMutation(Accept);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await accept({ variables: { input: { token, ...form, phone: form.phone.trim() || null } } }).catch(() => null);
    if (res?.data) done(res.data.acceptInvitation, pickLanguage(form.preferredLanguage));
  };

  const code = apiError(error)?.code;
  if (code && code !== 'BAD_USER_INPUT' && code !== 'RATE_LIMITED' && code !== 'UNAVAILABLE' && code !== 'INTERNAL') {
    return <LinkProblem code={code} t={t} />;
  }
  return (
    <form onSubmit={submit} noValidate aria-label={t('acceptAndJoin')}>
      <p>{t('createAccount')}</p>
      <div className="row">
        <Field label={t('firstName')} error={fieldError(error, 'firstName')}>
          {(id, a) => <input id={id} {...a} required autoComplete="given-name" maxLength={100} value={form.firstName} onChange={set('firstName')} />}
        </Field>
        <Field label={t('lastName')} error={fieldError(error, 'lastName')}>
          {(id, a) => <input id={id} {...a} autoComplete="family-name" maxLength={100} value={form.lastName} onChange={set('lastName')} />}
        </Field>
      </div>
      <NewPassword t={t} label={t('password')} value={form.password} onValue={(v) => setForm({ ...form, password: v })} error={fieldError(error, 'password')} />
      <Field label={t('phone')} hint={t('phoneHint')} error={fieldError(error, 'phone')}>
        {(id, a) => <input id={id} {...a} type="tel" autoComplete="tel" maxLength={40} value={form.phone} onChange={set('phone')} />}
      </Field>
      <Field label={t('language')} error={fieldError(error, 'preferredLanguage')}>
        {(id, a) => <PreferredLanguageSelect id={id} {...a} value={form.preferredLanguage} onChange={(l) => setForm({ ...form, preferredLanguage: l })} />}
      </Field>
      <ErrorText error={formError(error, NEW_PERSON_FIELDS)} />
      <button type="submit" className="primary" disabled={loading}>
        {t('acceptAndJoin')}
      </button>
    </form>
  );
}

function ExistingAccept({ token, t, email, org, accountNames }: { token: string; t: Tr; email: string; org: string; accountNames: string[] }) {
  const done = useAfterAccept(org, accountNames);
  const [accept, { loading, error }] = useMutation(Accept);
  const go = async () => {
    const res = await accept({ variables: { input: { token } } }).catch(() => null);
    if (res?.data) done(res.data.acceptInvitation);
  };
  const code = apiError(error)?.code;
  if (code && code.startsWith('INVITATION_')) return <LinkProblem code={code} t={t} />;
  return (
    <>
      <p>{t('existingSignedIn', { email, org })}</p>
      <ErrorText error={error} />
      <button type="button" className="primary wide" onClick={go} disabled={loading}>
        {t('accept')}
      </button>
    </>
  );
}

function WrongPerson({ t, me, email }: { t: Tr; me: string; email: string }) {
  const { signOut, loading } = useSignOut();
  return (
    <>
      <p className="notice">{t('wrongPerson', { me, email })}</p>
      <button type="button" onClick={signOut} disabled={loading}>
        {t('signOut')}
      </button>
    </>
  );
}

export function ResetPasswordPage() {
  const token = useToken();
  return token ? <ChooseNewPassword token={token} /> : <RequestResetForm />;
}

function ChooseNewPassword({ token }: { token: string }) {
  const t = useT(m);
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [reset, { loading, error }] = useMutation(ResetPassword);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    const res = await reset({ variables: { input: { token, newPassword: password } } }).catch(() => null);
    if (res?.data) {
      signIn(res.data.resetPassword.token);
      navigate('/members', { replace: true });
    }
  };

  const code = apiError(error)?.code;
  return (
    <LinkPage titleId="reset-title" title={t('resetTitle')}>
      {code === 'TOKEN_INVALID' ? (
        <>
          <LinkProblem code={code} t={t} />
          <p>
            <Link to="/reset-password">{t('requestTitle')}</Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit} noValidate aria-label={t('resetTitle')}>
          <p className="muted">{t('resetHelp')}</p>
          <NewPassword
            t={t}
            label={t('newPassword')}
            value={password}
            confirm={confirm}
            onValue={setPassword}
            onConfirm={(v) => {
              setConfirm(v);
              setMismatch(false);
            }}
            error={fieldError(error, 'newPassword')}
            mismatch={mismatch}
          />
          <ErrorText error={formError(error, ['newPassword'])} />
          <button type="submit" className="primary" disabled={loading || !password || !confirm}>
            {t('setPassword')}
          </button>
        </form>
      )}
    </LinkPage>
  );
}

function RequestResetForm() {
  const t = useT(m);
  const [email, setEmail] = useState('');
  const [request, { loading, error, data }] = useMutation(RequestReset);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await request({ variables: { email: email.trim() } }).catch(() => {});
  };
  return (
    <LinkPage titleId="request-title" title={t('requestTitle')}>
      <form onSubmit={submit} aria-label={t('requestTitle')}>
        <p className="muted">{t('requestHelp')}</p>
        <Field label={t('email')}>{(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
        <ErrorText error={error} />
        <div role="status">{data && <p className="notice">{t('resetSent')}</p>}</div>
        <button type="submit" className="primary" disabled={loading}>
          {t('sendLink')}
        </button>
      </form>
      <p>
        <Link to="/signin">{t('backToSignIn')}</Link>
      </p>
    </LinkPage>
  );
}

export function ConfirmEmailPage() {
  const t = useT(m);
  const token = useToken();
  const [confirm, { loading, error, data }] = useMutation(ConfirmEmail);
  const code = apiError(error)?.code;
  return (
    <LinkPage titleId="confirm-title" title={t('confirmTitle')}>
      {!token ? (
        <LinkProblem code="TOKEN_INVALID" t={t} />
      ) : data ? (
        <>
          <p className="notice" role="status">
            {t('confirmed', { email: data.confirmEmailChange.email })}
          </p>
          <ContinueLink t={t} />
        </>
      ) : code === 'TOKEN_INVALID' ? (
        <LinkProblem code={code} t={t} />
      ) : (
        <>
          <p>{t('confirmHelp')}</p>
          <ErrorText error={error} />
          <button type="button" className="primary wide" disabled={loading} onClick={() => void confirm({ variables: { token } }).catch(() => {})}>
            {t('confirmButton')}
          </button>
        </>
      )}
    </LinkPage>
  );
}

export function VerifyEmailPage() {
  const t = useT(m);
  const token = useToken();
  const [verify, { loading, error, data }] = useMutation(VerifyEmail);
  const code = apiError(error)?.code;
  const u = data?.verifyEmail;
  return (
    <LinkPage titleId="verify-title" title={t('verifyTitle')}>
      {!token ? (
        <LinkProblem code="TOKEN_INVALID" t={t} />
      ) : u ? (
        <>
          <p className="notice" role="status">
            {u.communicationEmail.toLowerCase() !== u.email.toLowerCase()
              ? t('verifiedComm', { email: u.communicationEmail })
              : t('verified', { email: u.email })}
          </p>
          <ContinueLink t={t} />
        </>
      ) : code === 'TOKEN_INVALID' ? (
        <LinkProblem code={code} t={t} />
      ) : (
        <>
          <p>{t('verifyHelp')}</p>
          <ErrorText error={error} />
          <button type="button" className="primary wide" disabled={loading} onClick={() => void verify({ variables: { token } }).catch(() => {})}>
            {t('verifyButton')}
          </button>
        </>
      )}
    </LinkPage>
  );
}

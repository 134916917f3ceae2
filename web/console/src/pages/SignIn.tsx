// Sign in and sign up (a new organization with its first owner).
import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';

import { useAuth } from '../auth';
import { ErrorText, Field } from '../components/ui';
import { graphql } from '../gql';
import { defineMessages, useT } from '../i18n';

const SignIn = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      token
    }
  }
`);

const SignUp = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      token
    }
  }
`);

const RequestReset = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

const m = defineMessages({
  en: {
    signInTitle: 'Sign in to Rollcall',
    signUpTitle: 'Create your organization',
    email: 'Email',
    password: 'Password',
    signIn: 'Sign in',
    signUp: 'Create organization',
    noAccount: 'New to Rollcall?',
    createOne: 'Create an organization',
    haveAccount: 'Already have an account?',
    forgot: 'Forgot your password?',
    sendReset: 'Email me a reset link',
    resetSent: 'If this address has an account, a reset link is on its way. It works for 30 minutes.',
    organization: 'Organization name',
    firstName: 'First name',
    lastName: 'Last name',
    passwordHint: 'At least 8 characters.',
    ended: 'You were signed out of this device.',
  },
  fr: {
    signInTitle: 'Connexion à Rollcall',
    signUpTitle: 'Créez votre organisation',
    email: 'Adresse e-mail',
    password: 'Mot de passe',
    signIn: 'Se connecter',
    signUp: "Créer l'organisation",
    noAccount: 'Nouveau sur Rollcall ?',
    createOne: 'Créer une organisation',
    haveAccount: 'Vous avez déjà un compte ?',
    forgot: 'Mot de passe oublié ?',
    sendReset: "M'envoyer un lien de réinitialisation",
    resetSent: 'Si cette adresse a un compte, un lien de réinitialisation arrive. Il est valable 30 minutes.',
    organization: "Nom de l'organisation",
    firstName: 'Prénom',
    lastName: 'Nom',
    passwordHint: 'Au moins 8 caractères.',
    ended: 'Vous avez été déconnecté de cet appareil.',
  },
});

function useAfterSignIn() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return (token: string) => {
    const next = params.get('next');
    signIn(token);
    // Only paths of the console itself: never an absolute URL.
    navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/members', { replace: true });
  };
}

export function SignInPage() {
  const t = useT(m);
  const { endedReason } = useAuth();
  const done = useAfterSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [forgot, setForgot] = useState(false);
  const [signIn, { loading, error }] = useMutation(SignIn);
  const [requestReset, reset] = useMutation(RequestReset);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (forgot) {
      await requestReset({ variables: { email } }).catch(() => {});
      return;
    }
    const res = await signIn({ variables: { input: { email, password } } }).catch(() => null);
    if (res?.data) done(res.data.signIn.token);
  };

  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">{t('signInTitle')}</h1>
        {endedReason && (
          <p className="notice" role="status" data-testid="signed-out">
            {t('ended')}
          </p>
        )}
        <Field label={t('email')}>
          {(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        {!forgot && (
          <Field label={t('password')}>
            {(id) => (
              <input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            )}
          </Field>
        )}
        <ErrorText error={forgot ? reset.error : error} />
        {forgot && reset.data && (
          <p className="notice" role="status">
            {t('resetSent')}
          </p>
        )}
        <button type="submit" className="primary" disabled={loading || reset.loading}>
          {forgot ? t('sendReset') : t('signIn')}
        </button>
        <p>
          <button type="button" className="link" onClick={() => setForgot(!forgot)}>
            {forgot ? t('signIn') : t('forgot')}
          </button>
        </p>
        <p className="muted">
          {t('noAccount')} <Link to="/signup">{t('createOne')}</Link>
        </p>
      </form>
    </main>
  );
}

export function SignUpPage() {
  const t = useT(m);
  const done = useAfterSignIn();
  const [form, setForm] = useState({ organizationName: '', firstName: '', lastName: '', email: '', password: '' });
  const [signUp, { loading, error }] = useMutation(SignUp);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await signUp({ variables: { input: form } }).catch(() => null);
    if (res?.data) done(res.data.signUp.token);
  };

  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="signup-title">
        <h1 id="signup-title">{t('signUpTitle')}</h1>
        <Field label={t('organization')}>
          {(id) => <input id={id} required autoComplete="organization" value={form.organizationName} onChange={set('organizationName')} />}
        </Field>
        <div className="row">
          <Field label={t('firstName')}>
            {(id) => <input id={id} required autoComplete="given-name" value={form.firstName} onChange={set('firstName')} />}
          </Field>
          <Field label={t('lastName')}>
            {(id) => <input id={id} required autoComplete="family-name" value={form.lastName} onChange={set('lastName')} />}
          </Field>
        </div>
        <Field label={t('email')}>
          {(id) => <input id={id} type="email" required autoComplete="username" value={form.email} onChange={set('email')} />}
        </Field>
        <Field label={t('password')} hint={t('passwordHint')}>
          {(id) => <input id={id} type="password" required autoComplete="new-password" value={form.password} onChange={set('password')} />}
        </Field>
        <ErrorText error={error} />
        <button type="submit" className="primary" disabled={loading}>
          {t('signUp')}
        </button>
        <p className="muted">
          {t('haveAccount')} <Link to="/signin">{t('signIn')}</Link>
        </p>
      </form>
    </main>
  );
}

// Deleting one's own account, from one's profile (the right to erasure):
// the password and a typed confirmation, then the session is gone here
// too. The last owner of an organization is refused (the API answers
// CONFLICT naming it, shown as is) and nothing changes.
import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';

import { useAuth } from '../auth';
import { ErrorText, Field } from '../components/ui';
import { fieldError, formError } from '../errors';
import { graphql } from '../gql';
import { defineMessages, useT } from '../i18n';

const DeleteMyAccount = graphql(`
  mutation DeleteMyAccount($password: String!) {
    deleteMyAccount(password: $password)
  }
`);

const m = defineMessages({
  en: {
    title: 'Delete my account',
    body: 'You leave every organization you belong to, every device is signed out, and your name, email, phone and other personal details are erased for good. Organizations keep their audit logs, where you appear as “Deleted user”. Your email address may later be used to sign up afresh.',
    lastOwner: 'If you are the last owner of an organization, make someone else an owner first.',
    password: 'Your password',
    confirmWord: 'DELETE',
    confirm: 'Type {word} to confirm',
    button: 'Delete my account for good',
    deleted: 'Your account was deleted.',
  },
  fr: {
    title: 'Supprimer mon compte',
    body: 'Vous quittez toutes vos organisations, tous vos appareils sont déconnectés, et votre nom, votre e-mail, votre téléphone et vos autres données personnelles sont définitivement effacés. Les organisations gardent leur journal d’audit, où vous apparaissez comme « Utilisateur supprimé ». Votre adresse e-mail pourra servir plus tard à une nouvelle inscription.',
    lastOwner: 'Si vous êtes le dernier propriétaire d’une organisation, nommez d’abord un autre propriétaire.',
    password: 'Votre mot de passe',
    confirmWord: 'SUPPRIMER',
    confirm: 'Tapez {word} pour confirmer',
    button: 'Supprimer définitivement mon compte',
    deleted: 'Votre compte a été supprimé.',
  },
});

export function DeleteAccount() {
  const t = useT(m);
  const { forget } = useAuth();
  const [password, setPassword] = useState('');
  const [typed, setTyped] = useState('');
  const [run, { loading, error }] = useMutation(DeleteMyAccount);
  const word = t('confirmWord');
  const confirmed = typed.trim().toUpperCase() === word;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!confirmed || !password) return;
    const res = await run({ variables: { password } }).catch(() => null);
    // Every session ended on the server: this device forgets its token.
    if (res?.data?.deleteMyAccount) forget(t('deleted'));
  };

  return (
    <form className="danger-zone" onSubmit={submit} aria-labelledby="delete-account-title" noValidate>
      <h2 id="delete-account-title">{t('title')}</h2>
      <p>{t('body')}</p>
      <p className="muted small">{t('lastOwner')}</p>
      <Field label={t('password')} error={fieldError(error, 'password')}>
        {(id, a) => (
          <input id={id} {...a} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        )}
      </Field>
      <Field label={t('confirm', { word })}>
        {(id, a) => <input id={id} {...a} type="text" autoComplete="off" spellCheck={false} required value={typed} onChange={(e) => setTyped(e.target.value)} />}
      </Field>
      <ErrorText error={formError(error, ['password'])} />
      <button type="submit" className="danger" disabled={loading || !password || !confirmed}>
        {t('button')}
      </button>
    </form>
  );
}

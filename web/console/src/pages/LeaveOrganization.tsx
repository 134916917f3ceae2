// Leaving the current organization, from one's profile: every access in
// it ends and its contacts assigned to the person become unassigned; the
// last owner cannot leave (the API answers CONFLICT, shown as is).
import { useApolloClient, useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { useNavigate } from 'react-router';

import { Confirm, ErrorText } from '../components/ui';
import { graphql } from '../gql';
import { defineMessages, useT } from '../i18n';
import { useViewer, ViewerDoc } from '../viewer';

const Leave = graphql(`
  mutation LeaveOrganization($organizationId: ID!) {
    leaveOrganization(organizationId: $organizationId)
  }
`);

const m = defineMessages({
  en: {
    title: 'Leave {org}',
    body: 'You lose access to every account of {org} and leave its directory. Your other organizations and your login stay as they are.',
    button: 'Leave {org}',
    confirmTitle: 'Leave {org}?',
    confirmBody: 'Contacts assigned to you in {org} become unassigned. To come back you need a new invitation.',
    confirm: 'Leave',
  },
  fr: {
    title: 'Quitter {org}',
    body: "Vous perdez l'accès à tous les comptes de {org} et quittez son annuaire. Vos autres organisations et votre identifiant restent inchangés.",
    button: 'Quitter {org}',
    confirmTitle: 'Quitter {org} ?',
    confirmBody: 'Les contacts qui vous sont attribués dans {org} ne seront plus attribués. Pour revenir, il vous faudra une nouvelle invitation.',
    confirm: 'Quitter',
  },
});

export function LeaveOrganization() {
  const t = useT(m);
  const { org } = useViewer();
  const client = useApolloClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [leave, { loading, error }] = useMutation(Leave);
  const vars = { org: org.name };

  const doLeave = async () => {
    const res = await leave({ variables: { organizationId: org.id } }).catch(() => null);
    setOpen(false);
    if (!res?.data?.leaveOrganization) return;
    // Who the viewer is now: another organization of theirs, or none.
    localStorage.removeItem('rollcall.account');
    await client.refetchQueries({ include: [ViewerDoc] }).catch(() => {});
    navigate('/members', { replace: true });
  };

  return (
    <section className="danger-zone" aria-labelledby="leave-title">
      <h2 id="leave-title">{t('title', vars)}</h2>
      <p>{t('body', vars)}</p>
      <ErrorText error={error} />
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {t('button', vars)}
      </button>
      <Confirm
        open={open}
        title={t('confirmTitle', vars)}
        confirmLabel={t('confirm')}
        danger
        busy={loading}
        onConfirm={doLeave}
        onCancel={() => setOpen(false)}
      >
        <p>{t('confirmBody', vars)}</p>
      </Confirm>
    </section>
  );
}

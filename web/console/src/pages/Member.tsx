// A member's page (/members/:userId): who they are (live presence, email,
// phone, last active), their access on each account of the organization
// the viewer can see (direct, or inherited from a parent account), and what
// someone with the privilege may do about it: change an access, edit the
// person's name and phone, mail them a password reset link, revoke an
// access (optionally handing their contacts to another member), sign them
// out of every device, suspend or reactivate them in the organization, or
// remove them from the organization. Nobody changes their own access here: that
// takes another person with the privilege.
import type { ApolloCache } from '@apollo/client';
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { Avatar, Confirm, ErrorText, Field, LastActive } from '../components/ui';
import { graphql } from '../gql';
import type { MemberQuery, Permission, Role } from '../gql/graphql';
import { dateTime, defineMessages, useLanguage, useT, type Language } from '../i18n';
import { common } from '../i18n/common';
import { useLivePresence } from '../presence';
import { useViewer, type Org } from '../viewer';
import { useDebounced } from '../hooks';

const MemberDoc = graphql(`
  query Member($userId: ID!, $orgId: ID!) {
    node(id: $userId) {
      __typename
      id
      ... on User {
        email
        firstName
        lastName
        displayName
        phone
        avatarUrl
        emailVerified
        createdAt
        presence {
          status
          lastActiveAt
          connectedDevices
        }
        memberships {
          ...MemberAccess
        }
      }
    }
    organization(id: $orgId) {
      id
      enabledProducts {
        key
        name
      }
    }
  }
`);

// A member's access on one account, as the table and the edit form show it.
export const MemberAccessFragment = graphql(`
  fragment MemberAccess on Membership {
    id
    role
    permissions
    products {
      key
      name
    }
    restrictions {
      assignedContactsOnly
      dataExportBlocked
    }
    inherited
    createdAt
    suspended
    suspendedAt
    account {
      id
      name
      organization {
        id
      }
    }
    invitedBy {
      id
      displayName
    }
  }
`);

const UpdateMemberDoc = graphql(`
  mutation UpdateMemberAccess($input: UpdateMemberInput!) {
    updateMember(input: $input) {
      ...MemberAccess
    }
  }
`);

const UpdateMemberProfileDoc = graphql(`
  mutation UpdateMemberProfile($input: UpdateMemberProfileInput!) {
    updateMemberProfile(input: $input) {
      id
      firstName
      lastName
      displayName
      phone
    }
  }
`);

const SendPasswordResetDoc = graphql(`
  mutation SendMemberPasswordReset($userId: ID!) {
    sendPasswordReset(userId: $userId)
  }
`);

const SignOutMemberDoc = graphql(`
  mutation SignOutMember($userId: ID!) {
    signOutMember(userId: $userId)
  }
`);

const SuspendMemberDoc = graphql(`
  mutation SuspendMember($orgId: ID!, $userId: ID!) {
    suspendMember(organizationId: $orgId, userId: $userId)
  }
`);

const ReactivateMemberDoc = graphql(`
  mutation ReactivateMember($orgId: ID!, $userId: ID!) {
    reactivateMember(organizationId: $orgId, userId: $userId)
  }
`);

const RevokeAccessDoc = graphql(`
  mutation RevokeMemberAccess($input: RevokeAccessInput!) {
    revokeAccess(input: $input) {
      membership {
        id
      }
      reassignedContacts
    }
  }
`);

const RemoveFromOrganizationDoc = graphql(`
  mutation RemoveMemberFromOrganization($input: RemoveFromOrganizationInput!) {
    removeFromOrganization(input: $input)
  }
`);

// The people who may take over the contacts: members of the account
// (direct or inherited, so they reach its sub-accounts too), by name.
const ReassignCandidatesDoc = graphql(`
  query ReassignCandidates($accountId: ID!, $search: String) {
    account(id: $accountId) {
      id
      members(filter: { search: $search }, first: 50) {
        edges {
          node {
            id
            role
            user {
              id
              displayName
              email
            }
          }
        }
      }
    }
  }
`);

const m = defineMessages({
  en: {
    back: 'Back to members',
    notFound: 'This person is not in the directory of {org}, or you cannot see them.',
    phone: 'Phone',
    noPhone: 'No phone number',
    lastActive: 'Last active',
    status: 'Status',
    devices: '{n} devices connected',
    unverified: 'Email not verified',
    joined: 'In the directory since {date}',
    you: 'You',
    ownPage:
      'This is you. You cannot change or revoke your own access: another user with the privilege to do so must do it. Your name, phone and password are on your profile.',
    ownProfile: 'Go to my profile',
    // Profile
    editProfile: 'Edit name and phone',
    profileTitle: 'Name and phone',
    firstName: 'First name',
    lastName: 'Last name',
    phoneHint: 'With the country code, e.g. +33 6 12 34 56 78. Leave empty to remove it.',
    emailFixed: 'The login email {email} can only be changed by its owner.',
    profileSaved: 'Name and phone saved.',
    // Password reset
    sendReset: 'Send password reset link',
    resetTitle: 'Send a password reset link?',
    resetBody:
      '{name} will get an email at {email} with a link to choose a new password. The link works once, for 30 minutes. Their current password keeps working until they use it.',
    resetConfirm: 'Send the link',
    resetSent: 'A password reset link was sent to {email}.',
    // Sign out everywhere
    signOutAll: 'Sign out of every device',
    signOutTitle: 'Sign {name} out of every device?',
    signOutBody:
      'Every device where {name} is signed in will need the password again, and what they have open closes now. Use it for a lost laptop, or someone leaving. Their access does not change.',
    signOutConfirm: 'Sign out everywhere',
    'signedOut.none': '{name} was not signed in on any device.',
    'signedOut.one': '{name} was signed out of 1 device.',
    'signedOut.other': '{name} was signed out of {n} devices.',
    // Suspension
    suspendedBadge: 'Suspended',
    suspendedSince: 'Suspended since {date}: no access to {org} until reactivated.',
    suspendSection: 'Suspension',
    suspendIntro: '{name} keeps their access and data, but cannot use {org} until reactivated. Their other organizations are not affected.',
    suspend: 'Suspend',
    reactivate: 'Reactivate',
    suspendTitle: 'Suspend {name}?',
    suspendBody: '{name} loses access to {org} at once: what they have open there closes, and they leave its directory and live presence for everyone but owners and admins. Nothing is deleted; reactivate them to give it all back.',
    reactivateTitle: 'Reactivate {name}?',
    reactivateBody: '{name} gets their access to {org} back, as it was before the suspension.',
    // Access table
    access: 'Access',
    accessIntro: 'Only the access level can be changed. Access given on an account also reaches its sub-accounts.',
    accessLabel: 'Access of {name} per account',
    colAccount: 'Account',
    colRole: 'Access level',
    colSource: 'Given',
    colPermissions: 'Permissions',
    colProducts: 'Products',
    colRestrictions: 'Restrictions',
    colSince: 'Since',
    colActions: 'Actions',
    direct: 'Directly',
    inheritedFrom: 'Inherited from {account}',
    invitedBy: 'by {name}',
    none: 'None',
    thisAccount: 'This account',
    noAccess: '{name} has no access to any account of {org} that you manage. They stay in the organization until removed from it.',
    cannotSee: 'You can see the access of other people only on accounts you manage.',
    inheritedHint: 'To change an inherited access, change it on {account}, where it was given.',
    edit: 'Edit',
    editLabel: 'Edit access to {account}',
    revoke: 'Revoke',
    revokeLabel: 'Revoke access to {account}',
    // Edit access
    editTitle: 'Access to {account}',
    role: 'Access level',
    roleHint: 'An owner manages everyone; an admin manages admins, managers and agents; a manager manages agents.',
    permissions: 'Permissions',
    products: 'Products',
    noProducts: 'No products are enabled for this organization.',
    restrictions: 'Restrictions',
    restrictionsHint: 'Restrictions apply to managers and agents only.',
    accessSaved: 'Access to {account} saved.',
    // Revoke
    revokeTitle: 'Revoke access to {account}?',
    revokeBody:
      'Revoking the access of {name} will remove them from {account} and its sub-accounts. By default, the contacts assigned to them there will be marked as unassigned. Their access to the organization remains.',
    cannotUndo: 'This action cannot be undone.',
    reassign: 'Assign their contacts to another user',
    reassignTo: 'Assign contacts to',
    reassignSearch: 'Find a member',
    chooseMember: 'Choose a member',
    noCandidates: 'Nobody else matches.',
    revokeConfirm: 'Revoke access',
    revoked: 'Access to {account} revoked.',
    'reassigned.none': 'No contacts were reassigned.',
    'reassigned.one': '1 contact was reassigned to {name}.',
    'reassigned.other': '{n} contacts were reassigned to {name}.',
    unassigned: 'Their contacts there are now unassigned.',
    // Remove
    removeSection: 'Remove from the organization',
    removeIntro:
      'Removing {name} ends every access they have in {org} and takes them out of its directory. Their own login is not deleted.',
    remove: 'Remove from {org}',
    removeTitle: 'Remove {name} from {org}?',
    removeBody:
      'This ends their access to every account of {org}, signs them out of it and takes them out of its directory. By default, the contacts assigned to them will be marked as unassigned.',
    typeEmail: 'Type {email} to confirm',
    removeConfirm: 'Remove from organization',
    chooseFirst: 'Choose who gets the contacts, or untick the box.',
  },
  fr: {
    back: 'Retour aux membres',
    notFound: "Cette personne n'est pas dans l'annuaire de {org}, ou vous ne pouvez pas la voir.",
    phone: 'Téléphone',
    noPhone: 'Aucun numéro de téléphone',
    lastActive: 'Dernière activité',
    status: 'Statut',
    devices: '{n} appareils connectés',
    unverified: 'E-mail non vérifié',
    joined: "Dans l'annuaire depuis le {date}",
    you: 'Vous',
    ownPage:
      "C'est vous. Vous ne pouvez ni modifier ni révoquer votre propre accès : un autre utilisateur disposant de ce droit doit le faire. Votre nom, votre téléphone et votre mot de passe se trouvent dans votre profil.",
    ownProfile: 'Aller à mon profil',
    editProfile: 'Modifier le nom et le téléphone',
    profileTitle: 'Nom et téléphone',
    firstName: 'Prénom',
    lastName: 'Nom',
    phoneHint: 'Avec l’indicatif du pays, par ex. +33 6 12 34 56 78. Laissez vide pour le supprimer.',
    emailFixed: "L'adresse de connexion {email} ne peut être modifiée que par son titulaire.",
    profileSaved: 'Nom et téléphone enregistrés.',
    sendReset: 'Envoyer un lien de réinitialisation du mot de passe',
    resetTitle: 'Envoyer un lien de réinitialisation du mot de passe ?',
    resetBody:
      "{name} recevra à l'adresse {email} un lien pour choisir un nouveau mot de passe. Le lien ne sert qu'une fois, pendant 30 minutes. Son mot de passe actuel reste valable tant que le lien n'est pas utilisé.",
    resetConfirm: 'Envoyer le lien',
    resetSent: 'Un lien de réinitialisation du mot de passe a été envoyé à {email}.',
    signOutAll: 'Déconnecter de tous les appareils',
    signOutTitle: 'Déconnecter {name} de tous ses appareils ?',
    signOutBody:
      "Chaque appareil où {name} est connecté demandera à nouveau le mot de passe, et ce qui y est ouvert se ferme maintenant. Utile pour un ordinateur perdu ou un départ. Ses accès ne changent pas.",
    signOutConfirm: 'Déconnecter partout',
    'signedOut.none': "{name} n'était connecté sur aucun appareil.",
    'signedOut.one': '{name} a été déconnecté de 1 appareil.',
    'signedOut.other': '{name} a été déconnecté de {n} appareils.',
    suspendedBadge: 'Suspendu',
    suspendedSince: "Suspendu depuis le {date} : aucun accès à {org} jusqu'à sa réactivation.",
    suspendSection: 'Suspension',
    suspendIntro: "{name} garde ses accès et ses données, mais ne peut plus utiliser {org} jusqu'à sa réactivation. Ses autres organisations ne changent pas.",
    suspend: 'Suspendre',
    reactivate: 'Réactiver',
    suspendTitle: 'Suspendre {name} ?',
    suspendBody: "{name} perd aussitôt l'accès à {org} : ce qui y est ouvert se ferme, et cette personne quitte son annuaire et sa présence en direct pour tous sauf les propriétaires et administrateurs. Rien n'est supprimé ; la réactiver lui rend tout.",
    reactivateTitle: 'Réactiver {name} ?',
    reactivateBody: "{name} retrouve ses accès à {org}, tels qu'ils étaient avant la suspension.",
    access: 'Accès',
    accessIntro: "Seul le niveau d'accès peut être modifié. Un accès donné sur un compte s'étend à ses sous-comptes.",
    accessLabel: 'Accès de {name} par compte',
    colAccount: 'Compte',
    colRole: "Niveau d'accès",
    colSource: 'Accordé',
    colPermissions: 'Autorisations',
    colProducts: 'Produits',
    colRestrictions: 'Restrictions',
    colSince: 'Depuis',
    colActions: 'Actions',
    direct: 'Directement',
    inheritedFrom: 'Hérité de {account}',
    invitedBy: 'par {name}',
    none: 'Aucune',
    thisAccount: 'Ce compte',
    noAccess: "{name} n'a accès à aucun compte de {org} que vous gérez. Cette personne reste dans l'organisation tant qu'elle n'en est pas retirée.",
    cannotSee: "Vous ne voyez les accès des autres personnes que sur les comptes que vous gérez.",
    inheritedHint: 'Pour modifier un accès hérité, modifiez-le sur {account}, où il a été accordé.',
    edit: 'Modifier',
    editLabel: "Modifier l'accès à {account}",
    revoke: 'Révoquer',
    revokeLabel: "Révoquer l'accès à {account}",
    editTitle: 'Accès à {account}',
    role: "Niveau d'accès",
    roleHint: 'Un propriétaire gère tout le monde ; un administrateur gère les administrateurs, responsables et agents ; un responsable gère les agents.',
    permissions: 'Autorisations',
    products: 'Produits',
    noProducts: "Aucun produit n'est activé pour cette organisation.",
    restrictions: 'Restrictions',
    restrictionsHint: "Les restrictions ne s'appliquent qu'aux responsables et aux agents.",
    accessSaved: 'Accès à {account} enregistré.',
    revokeTitle: "Révoquer l'accès à {account} ?",
    revokeBody:
      "Révoquer l'accès de {name} le retirera de {account} et de ses sous-comptes. Par défaut, les contacts qui lui sont attribués sur ces comptes ne seront plus attribués à personne. Son accès à l'organisation est conservé.",
    cannotUndo: 'Cette action est irréversible.',
    reassign: 'Attribuer ses contacts à un autre utilisateur',
    reassignTo: 'Attribuer les contacts à',
    reassignSearch: 'Rechercher un membre',
    chooseMember: 'Choisissez un membre',
    noCandidates: 'Personne d’autre ne correspond.',
    revokeConfirm: "Révoquer l'accès",
    revoked: 'Accès à {account} révoqué.',
    'reassigned.none': "Aucun contact n'a été réattribué.",
    'reassigned.one': '1 contact a été réattribué à {name}.',
    'reassigned.other': '{n} contacts ont été réattribués à {name}.',
    unassigned: 'Ses contacts sur ces comptes ne sont plus attribués à personne.',
    removeSection: "Retirer de l'organisation",
    removeIntro:
      "Retirer {name} met fin à tous ses accès dans {org} et le retire de son annuaire. Son identifiant de connexion n'est pas supprimé.",
    remove: 'Retirer de {org}',
    removeTitle: 'Retirer {name} de {org} ?',
    removeBody:
      "Cela met fin à son accès à tous les comptes de {org}, le déconnecte de l'organisation et le retire de son annuaire. Par défaut, les contacts qui lui sont attribués ne seront plus attribués à personne.",
    typeEmail: 'Saisissez {email} pour confirmer',
    removeConfirm: "Retirer de l'organisation",
    chooseFirst: 'Choisissez qui reçoit les contacts, ou décochez la case.',
  },
});

type Person = Extract<NonNullable<MemberQuery['node']>, { __typename: 'User' }>;
type Access = NonNullable<Person['memberships']>[number];
type Product = { key: string; name: string };

const ROLES: Role[] = ['OWNER', 'ADMIN', 'MANAGER', 'AGENT'];
const PERMISSIONS: Permission[] = ['BILLING_MANAGER'];
const RANK: Record<Role, number> = { OWNER: 4, ADMIN: 3, MANAGER: 2, AGENT: 1 };

// manages mirrors the API's rule (the API still decides): an owner manages
// everyone, an admin everyone but owners, a manager agents.
function manages(actor: Role | null | undefined, target: Role): boolean {
  if (actor === 'OWNER') return true;
  if (actor === 'ADMIN') return target !== 'OWNER';
  if (actor === 'MANAGER') return target === 'AGENT';
  return false;
}

// A row of the access table: a direct membership, or an account reached
// through the nearest parent account where the person has one.
interface Row {
  accountId: string;
  accountName: string;
  access: Access;
  from: { id: string; name: string } | null;
}

function accessRows(org: Org, memberships: readonly Access[]): Row[] {
  const direct = new Map<string, Access>();
  for (const a of memberships) if (a.account.organization.id === org.id) direct.set(a.account.id, a);
  const byId = new Map(org.accounts.map((a) => [a.id, a]));
  const rows: Row[] = [];
  const seen = new Set<string>();
  // Accounts in the organization's order (root first), then any direct
  // membership on an account the viewer's list does not hold.
  for (const acct of org.accounts) {
    const own = direct.get(acct.id);
    if (own) {
      rows.push({ accountId: acct.id, accountName: acct.name, access: own, from: null });
      seen.add(acct.id);
      continue;
    }
    let cur = acct.parent ? byId.get(acct.parent.id) : undefined;
    for (let hops = 0; cur && hops < 32; hops++) {
      const up = direct.get(cur.id);
      if (up) {
        rows.push({ accountId: acct.id, accountName: acct.name, access: up, from: { id: cur.id, name: cur.name } });
        break;
      }
      cur = cur.parent ? byId.get(cur.parent.id) : undefined;
    }
  }
  for (const [id, a] of direct) {
    if (!seen.has(id)) rows.push({ accountId: id, accountName: a.account.name, access: a, from: null });
  }
  return rows;
}

function shortDate(lang: Language, iso: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(new Date(iso));
}

export function MemberPage() {
  const t = useT(m);
  const tc = useT(common);
  const { lang } = useLanguage();
  const { userId = '' } = useParams();
  const navigate = useNavigate();
  const { me, org, account } = useViewer();
  const keep = `?account=${encodeURIComponent(account.id)}`;
  const { data, error, loading, refetch } = useQuery(MemberDoc, { variables: { userId, orgId: org.id } });
  useLivePresence(account.id);

  const [editing, setEditing] = useState<string | null>(null); // account id
  const [profileOpen, setProfileOpen] = useState(false);
  const [resetOpen, setResetOpen] = useState(false);
  const [revoking, setRevoking] = useState<Row | null>(null);
  const [removing, setRemoving] = useState(false);
  const [revokedNotice, setRevokedNotice] = useState<{ account: string; n: number; to: string | null } | null>(null);
  const [sendReset, reset] = useMutation(SendPasswordResetDoc);
  const [signOutOpen, setSignOutOpen] = useState(false);
  const [signOutMember, signedOut] = useMutation(SignOutMemberDoc);
  const [suspendOpen, setSuspendOpen] = useState(false);
  const [suspendMember, suspending] = useMutation(SuspendMemberDoc);
  const [reactivateMember, reactivating] = useMutation(ReactivateMemberDoc);

  const node = data?.node;
  const person: Person | null = node?.__typename === 'User' ? node : null;
  const rows = useMemo(() => (person ? accessRows(org, person.memberships) : []), [person, org]);
  const products: Product[] = data?.organization?.enabledProducts ?? [];

  const roleOn = (accountId: string): Role | null => org.accounts.find((a) => a.id === accountId)?.viewerMembership?.role ?? null;
  const rootRole = roleOn(org.rootAccount.id);
  const ownsOrg = person?.memberships.some((a) => a.account.organization.id === org.id && a.role === 'OWNER') ?? false;
  // The highest role the person holds here: what a removal is judged on.
  const highest = rows.reduce<Role>((r, row) => (RANK[row.access.role] > RANK[r] ? row.access.role : r), 'AGENT');
  const self = person?.id === me.id;
  // Name, phone and password reset: owners and admins, on people whose
  // role they manage (the API judges it over every account the person has).
  const actorRole = rootRole ?? roleOn(account.id);
  const mayEditIdentity = !self && (actorRole === 'OWNER' || actorRole === 'ADMIN') && manages(actorRole, ownsOrg ? 'OWNER' : highest);
  // Removal is judged on the viewer's role on the root account against the
  // person's highest role (owner when they own the organization).
  const mayRemove = !self && manages(rootRole, ownsOrg ? 'OWNER' : highest);
  // Suspension: owners and admins on the root account, judged like a removal.
  const maySuspend = mayRemove && (rootRole === 'OWNER' || rootRole === 'ADMIN');
  const suspendedAt = person?.memberships.find((a) => a.account.organization.id === org.id && a.suspended)?.suspendedAt ?? null;
  const viewerManagesHere = (accountId: string) => {
    const r = roleOn(accountId);
    return r === 'OWNER' || r === 'ADMIN' || r === 'MANAGER';
  };

  if (!person) {
    if (loading && !data) return <p className="page-loading" role="status">{tc('loading')}</p>;
    return (
      <section>
        <p>
          <Link to={`/members${keep}`}>← {t('back')}</Link>
        </p>
        {error ? <ErrorText error={error} /> : <p className="notice" role="status">{t('notFound', { org: org.name })}</p>}
      </section>
    );
  }

  const status = person.presence.status;
  const editingRow = rows.find((r) => r.accountId === editing && !r.from) ?? null;

  return (
    <section aria-labelledby="member-name" className="member-page">
      <p className="crumb">
        <Link to={`/members${keep}`}>← {t('back')}</Link>
      </p>
      <ErrorText error={error} />
      <div className="card member-head">
        <Avatar name={person.displayName} url={person.avatarUrl} status={status} size={72} />
        <div className="member-id">
          <h1 id="member-name">
            {person.displayName}
            {self && <span className="badge current">{t('you')}</span>}
            {suspendedAt && <span className="badge suspended">{t('suspendedBadge')}</span>}
          </h1>
          <p className="member-email">
            <a href={`mailto:${person.email}`}>{person.email}</a>
            {!person.emailVerified && <span className="badge unverified">{t('unverified')}</span>}
          </p>
          <dl className="member-facts">
            <div>
              <dt>{t('phone')}</dt>
              <dd>{person.phone ? <a href={`tel:${person.phone}`}>{person.phone}</a> : <span className="muted">{t('noPhone')}</span>}</dd>
            </div>
            <div>
              <dt>{t('status')}</dt>
              <dd data-presence={status}>
                <span className={`dot dot-${status.toLowerCase()}`} aria-hidden="true" /> {tc(`presence.${status}`)}
                {person.presence.connectedDevices > 1 && <span className="muted small"> · {t('devices', { n: person.presence.connectedDevices })}</span>}
              </dd>
            </div>
            <div>
              <dt>{t('lastActive')}</dt>
              <dd>
                <LastActive status={status} at={person.presence.lastActiveAt} bare />
              </dd>
            </div>
          </dl>
          <p className="muted small">{t('joined', { date: shortDate(lang, person.createdAt) })}</p>
        </div>
        {mayEditIdentity && (
          <div className="actions member-actions">
            <button type="button" onClick={() => setProfileOpen((o) => !o)} aria-expanded={profileOpen} aria-controls="member-profile">
              {t('editProfile')}
            </button>
            <button type="button" onClick={() => setResetOpen(true)}>
              {t('sendReset')}
            </button>
            <button type="button" onClick={() => setSignOutOpen(true)}>
              {t('signOutAll')}
            </button>
          </div>
        )}
      </div>

      {self && (
        <p className="notice own-page">
          {t('ownPage')} <Link to={`/profile${keep}`}>{t('ownProfile')}</Link>
        </p>
      )}

      {reset.data?.sendPasswordReset && (
        <p className="notice" role="status">
          {t('resetSent', { email: person.email })}
        </p>
      )}
      <ErrorText error={reset.error} />
      {signedOut.data && (
        <p className="notice" role="status" data-sessions={signedOut.data.signOutMember}>
          {t(signedOut.data.signOutMember === 0 ? 'signedOut.none' : signedOut.data.signOutMember === 1 ? 'signedOut.one' : 'signedOut.other', {
            name: person.displayName,
            n: signedOut.data.signOutMember,
          })}
        </p>
      )}
      <ErrorText error={signedOut.error} />

      {mayEditIdentity && profileOpen && <ProfileForm person={person} onDone={() => setProfileOpen(false)} />}

      {revokedNotice && (
        <div className="notice" role="status" data-reassigned={revokedNotice.n}>
          <p>
            {t('revoked', { account: revokedNotice.account })}{' '}
            {revokedNotice.to
              ? revokedNotice.n === 0
                ? t('reassigned.none')
                : t(revokedNotice.n === 1 ? 'reassigned.one' : 'reassigned.other', { n: revokedNotice.n, name: revokedNotice.to })
              : revokedNotice.n > 0
                ? t('unassigned')
                : ''}
          </p>
          <Link to={`/members${keep}`}>{t('back')}</Link>
        </div>
      )}

      <section aria-labelledby="access-title" className="member-access">
        <h2 id="access-title">{t('access')}</h2>
        {rows.length > 0 && <p className="muted small">{t('accessIntro')}</p>}
        {rows.length === 0 ? (
          <p className="empty-access">{viewerManagesHere(account.id) ? t('noAccess', { name: person.displayName, org: org.name }) : t('cannotSee')}</p>
        ) : (
          <div className="table-wrap">
            <table className="access-table" aria-label={t('accessLabel', { name: person.displayName })}>
              <thead>
                <tr>
                  <th scope="col">{t('colAccount')}</th>
                  <th scope="col">{t('colRole')}</th>
                  <th scope="col">{t('colSource')}</th>
                  <th scope="col">{t('colPermissions')}</th>
                  <th scope="col">{t('colProducts')}</th>
                  <th scope="col">{t('colRestrictions')}</th>
                  <th scope="col">{t('colSince')}</th>
                  {!self && (
                    <th scope="col">
                      <span className="visually-hidden">{t('colActions')}</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const a = row.access;
                  const restrictions = [
                    a.restrictions.assignedContactsOnly && tc('restriction.assignedContactsOnly'),
                    a.restrictions.dataExportBlocked && tc('restriction.dataExportBlocked'),
                  ].filter(Boolean) as string[];
                  const canAct = !self && !row.from && viewerManagesHere(row.accountId);
                  return (
                    <tr key={row.accountId} data-account={row.accountName} data-role={a.role} data-inherited={row.from ? 'true' : 'false'}>
                      <th scope="row" data-label={t('colAccount')}>
                        {row.accountName}
                        {row.accountId === account.id && <span className="badge current">{t('thisAccount')}</span>}
                      </th>
                      <td data-label={t('colRole')}>
                        <span className={`badge role-${a.role.toLowerCase()}`}>{tc(`role.${a.role}`)}</span>
                      </td>
                      <td data-label={t('colSource')}>
                        {row.from ? t('inheritedFrom', { account: row.from.name }) : t('direct')}
                        {!row.from && a.invitedBy && <span className="muted small"> {t('invitedBy', { name: a.invitedBy.displayName })}</span>}
                      </td>
                      <td data-label={t('colPermissions')}>
                        {a.permissions.length ? a.permissions.map((p) => tc(`permission.${p}`)).join(', ') : <span className="muted">{t('none')}</span>}
                      </td>
                      <td data-label={t('colProducts')}>
                        {a.products.length ? a.products.map((p) => p.name).join(', ') : <span className="muted">{t('none')}</span>}
                      </td>
                      <td data-label={t('colRestrictions')}>
                        {restrictions.length ? (
                          <ul className="plain">
                            {restrictions.map((r) => (
                              <li key={r}>{r}</li>
                            ))}
                          </ul>
                        ) : (
                          <span className="muted">{t('none')}</span>
                        )}
                      </td>
                      <td data-label={t('colSince')}>
                        <time dateTime={a.createdAt} title={dateTime(lang, a.createdAt)}>
                          {shortDate(lang, a.createdAt)}
                        </time>
                      </td>
                      {!self && (
                        <td className="row-actions" data-label={t('colActions')}>
                          {canAct ? (
                            <>
                              <button type="button" onClick={() => setEditing(row.accountId)} aria-label={t('editLabel', { account: row.accountName })} aria-expanded={editing === row.accountId}>
                                {t('edit')}
                              </button>
                              <button type="button" className="danger-outline" onClick={() => setRevoking(row)} aria-label={t('revokeLabel', { account: row.accountName })}>
                                {t('revoke')}
                              </button>
                            </>
                          ) : row.from ? (
                            <span className="muted small">{t('inheritedHint', { account: row.from.name })}</span>
                          ) : null}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {editingRow && !self && (
        <AccessForm
          key={editingRow.accountId}
          row={editingRow}
          userId={person.id}
          viewerRole={roleOn(editingRow.accountId)}
          products={products}
          onClose={() => setEditing(null)}
        />
      )}

      {suspendedAt && (
        <p className="notice" role="status" data-suspended="true">
          {t('suspendedSince', { date: shortDate(lang, suspendedAt), org: org.name })}
        </p>
      )}
      <ErrorText error={suspending.error ?? reactivating.error} />

      {maySuspend && (
        <section aria-labelledby="suspend-title" className="danger-zone">
          <h2 id="suspend-title">{t('suspendSection')}</h2>
          <p>{t('suspendIntro', { name: person.displayName, org: org.name })}</p>
          <button type="button" className={suspendedAt ? undefined : 'danger-outline'} onClick={() => setSuspendOpen(true)}>
            {suspendedAt ? t('reactivate') : t('suspend')}
          </button>
        </section>
      )}

      {mayRemove && (
        <section aria-labelledby="remove-title" className="danger-zone">
          <h2 id="remove-title">{t('removeSection')}</h2>
          <p>{t('removeIntro', { name: person.displayName, org: org.name })}</p>
          <button type="button" className="danger" onClick={() => setRemoving(true)}>
            {t('remove', { org: org.name })}
          </button>
        </section>
      )}

      <Confirm
        open={resetOpen}
        title={t('resetTitle')}
        confirmLabel={t('resetConfirm')}
        busy={reset.loading}
        onCancel={() => setResetOpen(false)}
        onConfirm={async () => {
          try {
            await sendReset({ variables: { userId: person.id } });
          } catch {
            // shown on the page
          }
          setResetOpen(false);
        }}
      >
        <p>{t('resetBody', { name: person.displayName, email: person.email })}</p>
      </Confirm>

      <Confirm
        open={signOutOpen}
        title={t('signOutTitle', { name: person.displayName })}
        confirmLabel={t('signOutConfirm')}
        danger
        busy={signedOut.loading}
        onCancel={() => setSignOutOpen(false)}
        onConfirm={async () => {
          try {
            await signOutMember({ variables: { userId: person.id } });
          } catch {
            // shown on the page
          }
          setSignOutOpen(false);
        }}
      >
        <p>{t('signOutBody', { name: person.displayName })}</p>
      </Confirm>

      <Confirm
        open={suspendOpen}
        title={t(suspendedAt ? 'reactivateTitle' : 'suspendTitle', { name: person.displayName })}
        confirmLabel={suspendedAt ? t('reactivate') : t('suspend')}
        danger={!suspendedAt}
        busy={suspending.loading || reactivating.loading}
        onCancel={() => setSuspendOpen(false)}
        onConfirm={async () => {
          const variables = { orgId: org.id, userId: person.id };
          try {
            await (suspendedAt ? reactivateMember({ variables }) : suspendMember({ variables }));
            await refetch();
          } catch {
            // shown on the page
          }
          setSuspendOpen(false);
        }}
      >
        <p>{t(suspendedAt ? 'reactivateBody' : 'suspendBody', { name: person.displayName, org: org.name })}</p>
      </Confirm>

      {revoking && (
        <RevokeDialog
          row={revoking}
          person={person}
          onCancel={() => setRevoking(null)}
          onDone={async (n, to) => {
            setRevoking(null);
            setEditing(null);
            setRevokedNotice({ account: revoking.accountName, n, to });
            await refetch().catch(() => {});
          }}
        />
      )}

      {removing && (
        <RemoveDialog
          person={person}
          onCancel={() => setRemoving(false)}
          onDone={() => {
            setRemoving(false);
            navigate(`/members${keep}`, { replace: true });
          }}
        />
      )}
    </section>
  );
}

// ProfileForm: an admin's edit of another member's first and last name
// and phone. The login email is shown, never editable.
function ProfileForm({ person, onDone }: { person: Person; onDone(): void }) {
  const t = useT(m);
  const tc = useT(common);
  const [firstName, setFirstName] = useState(person.firstName);
  const [lastName, setLastName] = useState(person.lastName);
  const [phone, setPhone] = useState(person.phone ?? '');
  const [save, { loading, error, data }] = useMutation(UpdateMemberProfileDoc);
  const [saved, setSaved] = useState(false);
  const titleRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => titleRef.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    try {
      await save({ variables: { input: { userId: person.id, firstName: firstName.trim(), lastName: lastName.trim(), phone: phone.trim() } } });
      setSaved(true);
    } catch {
      // shown below
    }
  };

  return (
    <form id="member-profile" className="card member-form" onSubmit={submit} aria-labelledby="profile-title">
      <h2 id="profile-title" ref={titleRef} tabIndex={-1}>
        {t('profileTitle')}
      </h2>
      <div className="row">
        <Field label={t('firstName')}>
          {(id) => <input id={id} type="text" value={firstName} maxLength={100} required autoComplete="off" onChange={(e) => setFirstName(e.target.value)} />}
        </Field>
        <Field label={t('lastName')}>
          {(id) => <input id={id} type="text" value={lastName} maxLength={100} required autoComplete="off" onChange={(e) => setLastName(e.target.value)} />}
        </Field>
      </div>
      <Field label={t('phone')} hint={t('phoneHint')}>
        {(id) => <input id={id} type="tel" value={phone} maxLength={40} autoComplete="off" onChange={(e) => setPhone(e.target.value)} />}
      </Field>
      <p className="hint">{t('emailFixed', { email: person.email })}</p>
      <ErrorText error={error} />
      {saved && data && (
        <p className="notice" role="status">
          {t('profileSaved')}
        </p>
      )}
      <div className="form-actions">
        <button type="button" onClick={onDone}>
          {tc('close')}
        </button>
        <button type="submit" className="primary" disabled={loading}>
          {tc('save')}
        </button>
      </div>
    </form>
  );
}

// AccessForm edits one direct access: role, permissions, products and,
// for managers and agents, restrictions. The API checks every ceiling
// (nobody gives more than they hold) and says why when it refuses.
function AccessForm({
  row,
  userId,
  viewerRole,
  products,
  onClose,
}: {
  row: Row;
  userId: string;
  viewerRole: Role | null;
  products: Product[];
  onClose(): void;
}) {
  const t = useT(m);
  const tc = useT(common);
  const a = row.access;
  const [role, setRole] = useState<Role>(a.role);
  const [permissions, setPermissions] = useState<Permission[]>(a.permissions);
  const [chosen, setChosen] = useState<string[]>(a.products.map((p) => p.key));
  const [assignedOnly, setAssignedOnly] = useState(a.restrictions.assignedContactsOnly);
  const [exportBlocked, setExportBlocked] = useState(a.restrictions.dataExportBlocked);
  const [save, { loading, error, reset }] = useMutation(UpdateMemberDoc);
  const [saved, setSaved] = useState(false);
  const roleId = useId();
  const titleRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => titleRef.current?.focus(), []);

  // The roles the viewer may give, and the current one (so the select
  // shows it even when it is above what they may give).
  const roles = ROLES.filter((r) => r === a.role || manages(viewerRole, r));
  const restricted = role === 'MANAGER' || role === 'AGENT';
  // Products the organization no longer enables still show while held.
  const productChoices: Product[] = [...products, ...a.products.filter((p) => !products.some((q) => q.key === p.key))];

  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    try {
      await save({
        variables: {
          input: {
            accountId: a.account.id,
            userId,
            role,
            permissions,
            products: chosen,
            restrictions: restricted ? { assignedContactsOnly: assignedOnly, dataExportBlocked: exportBlocked } : null,
          },
        },
      });
      setSaved(true);
    } catch {
      // shown below
    }
  };

  return (
    <form className="card member-form" onSubmit={submit} aria-labelledby="edit-access-title" onChange={() => { setSaved(false); reset(); }}>
      <h2 id="edit-access-title" ref={titleRef} tabIndex={-1}>
        {t('editTitle', { account: row.accountName })}
      </h2>
      <div className="field">
        <label htmlFor={roleId}>{t('role')}</label>
        <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {tc(`role.${r}`)}
            </option>
          ))}
        </select>
        <p className="hint">{t('roleHint')}</p>
      </div>
      <fieldset>
        <legend>{t('permissions')}</legend>
        {PERMISSIONS.map((p) => (
          <label key={p} className="check">
            <input type="checkbox" checked={permissions.includes(p)} onChange={(e) => setPermissions(toggle(permissions, p, e.target.checked))} />
            {tc(`permission.${p}`)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('products')}</legend>
        {productChoices.length === 0 && <p className="hint">{t('noProducts')}</p>}
        {productChoices.map((p) => (
          <label key={p.key} className="check">
            <input type="checkbox" checked={chosen.includes(p.key)} onChange={(e) => setChosen(toggle(chosen, p.key, e.target.checked))} />
            {p.name}
          </label>
        ))}
      </fieldset>
      {restricted ? (
        <fieldset>
          <legend>{t('restrictions')}</legend>
          <label className="check">
            <input type="checkbox" checked={assignedOnly} onChange={(e) => setAssignedOnly(e.target.checked)} />
            {tc('restriction.assignedContactsOnly')}
          </label>
          <label className="check">
            <input type="checkbox" checked={exportBlocked} onChange={(e) => setExportBlocked(e.target.checked)} />
            {tc('restriction.dataExportBlocked')}
          </label>
        </fieldset>
      ) : (
        <p className="hint">{t('restrictionsHint')}</p>
      )}
      <ErrorText error={error} />
      {saved && (
        <p className="notice" role="status">
          {t('accessSaved', { account: row.accountName })}
        </p>
      )}
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          {tc('close')}
        </button>
        <button type="submit" className="primary" disabled={loading}>
          {tc('save')}
        </button>
      </div>
    </form>
  );
}

// ReassignPicker: "Assign their contacts to another user" and, when
// ticked, a search and a select of the other members of accountId.
function ReassignPicker({
  accountId,
  personId,
  on,
  setOn,
  to,
  setTo,
}: {
  accountId: string;
  personId: string;
  on: boolean;
  setOn(v: boolean): void;
  to: string;
  setTo(id: string, name: string | null): void;
}) {
  const t = useT(m);
  const tc = useT(common);
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 200);
  const { data, loading, error } = useQuery(ReassignCandidatesDoc, { variables: { accountId, search: q || null }, skip: !on });
  const candidates = (data?.account?.members.edges ?? []).map((e) => e.node.user).filter((u) => u.id !== personId);
  const ids = { search: useId(), select: useId() };

  return (
    <div className="reassign">
      <label className="check">
        <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} />
        {t('reassign')}
      </label>
      {on && (
        <div className="reassign-pick">
          <div className="field">
            <label htmlFor={ids.search}>{t('reassignSearch')}</label>
            <input id={ids.search} type="search" value={search} maxLength={200} autoComplete="off" onChange={(e) => setSearch(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.select}>{t('reassignTo')}</label>
            <select
              id={ids.select}
              value={to}
              aria-busy={loading}
              onChange={(e) => setTo(e.target.value, candidates.find((u) => u.id === e.target.value)?.displayName ?? null)}
            >
              <option value="">{loading ? tc('loading') : candidates.length ? t('chooseMember') : t('noCandidates')}</option>
              {candidates.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.displayName} ({u.email})
                </option>
              ))}
            </select>
          </div>
          <ErrorText error={error} />
        </div>
      )}
    </div>
  );
}

// forgetMemberLists drops the cached member lists of the organization's
// accounts, so the directory shows who has access now, not who had.
function forgetMemberLists(cache: ApolloCache, org: Org) {
  for (const a of org.accounts) cache.evict({ id: cache.identify({ __typename: 'Account', id: a.id }), fieldName: 'members' });
  cache.gc();
}

function RevokeDialog({ row, person, onCancel, onDone }: { row: Row; person: Person; onCancel(): void; onDone(n: number, to: string | null): void }) {
  const t = useT(m);
  const { org } = useViewer();
  const [on, setOn] = useState(false);
  const [to, setTo] = useState('');
  const [toName, setToName] = useState<string | null>(null);
  const [revoke, { loading, error }] = useMutation(RevokeAccessDoc);

  const confirm = async () => {
    if (on && !to) return;
    try {
      const res = await revoke({
        variables: { input: { accountId: row.access.account.id, userId: person.id, reassignContactsTo: on ? to : null } },
        update: (cache) => forgetMemberLists(cache, org),
      });
      onDone(res.data?.revokeAccess.reassignedContacts ?? 0, on ? toName : null);
    } catch {
      // shown in the dialog
    }
  };

  return (
    <Confirm
      open
      title={t('revokeTitle', { account: row.accountName })}
      confirmLabel={t('revokeConfirm')}
      danger
      busy={loading}
      confirmDisabled={on && !to}
      onCancel={onCancel}
      onConfirm={confirm}
    >
      <p>{t('revokeBody', { name: person.displayName, account: row.accountName })}</p>
      <ReassignPicker
        accountId={row.access.account.id}
        personId={person.id}
        on={on}
        setOn={setOn}
        to={to}
        setTo={(id, name) => {
          setTo(id);
          setToName(name);
        }}
      />
      {on && !to && <p className="hint">{t('chooseFirst')}</p>}
      <p className="warning">
        <strong>{t('cannotUndo')}</strong>
      </p>
      <ErrorText error={error} />
    </Confirm>
  );
}

function RemoveDialog({ person, onCancel, onDone }: { person: Person; onCancel(): void; onDone(): void }) {
  const t = useT(m);
  const { org } = useViewer();
  const [on, setOn] = useState(false);
  const [to, setTo] = useState('');
  const [typed, setTyped] = useState('');
  const [remove, { loading, error }] = useMutation(RemoveFromOrganizationDoc);
  const typeId = useId();
  const matches = typed.trim().toLowerCase() === person.email.toLowerCase();

  const confirm = async () => {
    if (!matches || (on && !to)) return;
    try {
      await remove({
        variables: { input: { organizationId: org.id, userId: person.id, reassignContactsTo: on ? to : null } },
        update: (cache) => forgetMemberLists(cache, org),
      });
      onDone();
    } catch {
      // shown in the dialog
    }
  };

  return (
    <Confirm
      open
      title={t('removeTitle', { name: person.displayName, org: org.name })}
      confirmLabel={t('removeConfirm')}
      danger
      busy={loading}
      confirmDisabled={!matches || (on && !to)}
      onCancel={onCancel}
      onConfirm={confirm}
    >
      <p>{t('removeBody', { org: org.name })}</p>
      {/* Contacts may only go to someone who reaches every account: a member of the root account. */}
      <ReassignPicker accountId={org.rootAccount.id} personId={person.id} on={on} setOn={setOn} to={to} setTo={(id) => setTo(id)} />
      {on && !to && <p className="hint">{t('chooseFirst')}</p>}
      <p className="warning">
        <strong>{t('cannotUndo')}</strong>
      </p>
      <div className="field">
        <label htmlFor={typeId}>{t('typeEmail', { email: person.email })}</label>
        <input id={typeId} type="text" value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
      </div>
      <ErrorText error={error} />
    </Confirm>
  );
}

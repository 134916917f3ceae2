// The invitations of the current account: pending and expired ones by
// default, searchable, loaded page by page as the list scrolls; each can be
// sent again (a new link, a new expiry), edited, or revoked.
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { Confirm, ErrorText, PreferredLanguageSelect } from '../components/ui';
import { graphql } from '../gql';
import type { InvitationFieldsFragment, InvitationStatus } from '../gql/graphql';
import { dateTime, defineMessages, relativeTime, useLanguage, useT } from '../i18n';
import { common } from '../i18n/common';
import { useDebounced, useEndless } from '../hooks';
import { useViewer } from '../viewer';
import { evictInvitations, fitGrant, GrantFields, grantInput, useCapacity, usePlural, type Capacity, type Grant } from './Invite';

const PAGE = 30;

// The fields every operation below reads of an invitation.
graphql(`
  fragment InvitationFields on Invitation {
    id
    email
    firstName
    lastName
    preferredLanguage
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
    accounts {
      id
      name
    }
    status
    invitedBy {
      id
      displayName
    }
    createdAt
    expiresAt
    lastSentAt
    sendCount
  }
`);

const Invitations = graphql(`
  query Invitations($accountId: ID!, $status: [InvitationStatus!], $search: String, $first: Int, $after: String) {
    account(id: $accountId) {
      id
      invitations(status: $status, search: $search, first: $first, after: $after) {
        totalCount
        edges {
          cursor
          node {
            ...InvitationFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

const Resend = graphql(`
  mutation ResendInvitation($id: ID!) {
    resendInvitation(id: $id) {
      ...InvitationFields
    }
  }
`);

const Update = graphql(`
  mutation UpdateInvitation($input: UpdateInvitationInput!) {
    updateInvitation(input: $input) {
      ...InvitationFields
    }
  }
`);

const Revoke = graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id) {
      id
      status
    }
  }
`);

type Invitation = InvitationFieldsFragment;

const FILTERS = ['open', 'PENDING', 'EXPIRED', 'ACCEPTED', 'REVOKED', 'all'] as const;
type Filter = (typeof FILTERS)[number];

function statuses(f: Filter): InvitationStatus[] | null {
  if (f === 'open') return ['PENDING', 'EXPIRED'];
  return f === 'all' ? null : [f];
}

const m = defineMessages({
  en: {
    title: 'Invitations',
    'count.one': '{n} invitation',
    'count.other': '{n} invitations',
    cannot: 'Only owners, admins and managers see the invitations of an account.',
    invite: 'Invite people',
    search: 'Search by email or name',
    status: 'Status',
    'filter.open': 'Pending or expired',
    'filter.all': 'All',
    listLabel: 'Invitations to {account}',
    empty: 'No invitation matches.',
    emptyOpen: 'Nobody is waiting to join.',
    invitedBy: 'Invited by {name}',
    on: 'on {accounts}',
    'sent.one': 'Sent once',
    'sent.other': 'Sent {n} times',
    lastSent: 'last sent {when}',
    expires: 'Expires {when}',
    expired: 'Expired {when}',
    resend: 'Resend',
    edit: 'Edit',
    revoke: 'Revoke',
    resent: 'Sent again to {email}. The new link works until {date}; earlier links no longer work.',
    updated: 'The invitation to {email} was saved.',
    revoked: 'The invitation to {email} was revoked.',
    revokeTitle: 'Revoke the invitation to {email}?',
    revokeBody: 'The link in the email stops working. This cannot be undone: to give them access later, send a new invitation.',
    revokeConfirm: 'Revoke invitation',
    editTitle: 'Edit the invitation to {email}',
    editHint: 'The email address cannot change: revoke this invitation and send a new one instead.',
    firstName: 'First name',
    lastName: 'Last name',
    language: 'Language of the invitation email',
    end: 'That is every invitation.',
  },
  fr: {
    title: 'Invitations',
    'count.one': '{n} invitation',
    'count.other': '{n} invitations',
    cannot: "Seuls les propriétaires, administrateurs et responsables voient les invitations d'un compte.",
    invite: 'Inviter des personnes',
    search: 'Rechercher par e-mail ou nom',
    status: 'Statut',
    'filter.open': 'En attente ou expirées',
    'filter.all': 'Toutes',
    listLabel: 'Invitations à {account}',
    empty: 'Aucune invitation ne correspond.',
    emptyOpen: "Personne n'attend de nous rejoindre.",
    invitedBy: 'Invitée par {name}',
    on: 'sur {accounts}',
    'sent.one': 'Envoyée une fois',
    'sent.other': 'Envoyée {n} fois',
    lastSent: 'dernier envoi {when}',
    expires: 'Expire {when}',
    expired: 'Expirée {when}',
    resend: 'Renvoyer',
    edit: 'Modifier',
    revoke: 'Révoquer',
    resent: "Renvoyée à {email}. Le nouveau lien fonctionne jusqu'au {date} ; les liens précédents ne fonctionnent plus.",
    updated: "L'invitation de {email} a été enregistrée.",
    revoked: "L'invitation de {email} a été révoquée.",
    revokeTitle: "Révoquer l'invitation de {email} ?",
    revokeBody: "Le lien de l'e-mail cesse de fonctionner. C'est irréversible : pour lui donner accès plus tard, envoyez une nouvelle invitation.",
    revokeConfirm: "Révoquer l'invitation",
    editTitle: "Modifier l'invitation de {email}",
    editHint: "L'adresse e-mail ne peut pas changer : révoquez cette invitation et envoyez-en une nouvelle.",
    firstName: 'Prénom',
    lastName: 'Nom',
    language: "Langue de l'e-mail d'invitation",
    end: 'Ce sont toutes les invitations.',
  },
});

type Notice = { kind: 'resent'; email: string; expiresAt: string } | { kind: 'updated' | 'revoked'; email: string };

export function InvitationsPage() {
  const t = useT(m);
  const tc = useT(common);
  const plural = usePlural();
  const { lang } = useLanguage();
  const { account, canManage } = useViewer();
  const { capacity } = useCapacity();
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<Filter>('open');
  const [editing, setEditing] = useState<Invitation | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const q = useDebounced(search.trim(), 200);
  const ids = { heading: useId(), search: useId(), status: useId() };

  const variables = { accountId: account.id, status: statuses(filter), search: q || null, first: PAGE };
  const { data, previousData, error, loading, fetchMore } = useQuery(Invitations, { variables, notifyOnNetworkStatusChange: true, skip: !canManage });
  const [resend, resending] = useMutation(Resend);
  const [revoke, revokingState] = useMutation(Revoke);

  // After a revoke the lists are read again; the rows on screen stay until then.
  const list = (data ?? previousData)?.account?.invitations;
  const pageInfo = list?.pageInfo;
  // Endless scroll: the next page loads as the end of the list comes into view.
  const { sentinel, loadMore } = useEndless(pageInfo, (after) => fetchMore({ variables: { after } }), list?.edges.length ?? 0);

  const doResend = async (inv: Invitation) => {
    setNotice(null);
    revokingState.reset();
    try {
      const res = await resend({ variables: { id: inv.id } });
      if (res.data) setNotice({ kind: 'resent', email: inv.email, expiresAt: res.data.resendInvitation.expiresAt });
    } catch {
      // resending.error is shown above the list
    }
  };

  const doRevoke = async () => {
    const inv = revoking;
    if (!inv) return;
    setNotice(null);
    resending.reset();
    try {
      await revoke({ variables: { id: inv.id }, update: (cache) => evictInvitations(cache, inv.accounts.map((a) => a.id)) });
      setNotice({ kind: 'revoked', email: inv.email });
    } catch {
      // revokingState.error is shown above the list
    }
    setRevoking(null);
  };

  if (!canManage) {
    return (
      <section aria-labelledby={ids.heading}>
        <h1 id={ids.heading}>{t('title')}</h1>
        <p className="notice">{t('cannot')}</p>
      </section>
    );
  }

  return (
    <section aria-labelledby={ids.heading}>
      <div className="page-head">
        <h1 id={ids.heading}>
          {t('title')} <span className="count">{list ? t(`count.${plural(list.totalCount)}`, { n: list.totalCount }) : ''}</span>
        </h1>
        <div className="actions">
          <Link className="button primary" to={`/invite?account=${encodeURIComponent(account.id)}`}>
            {t('invite')}
          </Link>
        </div>
      </div>
      <div className="filters" role="search">
        <div className="field grow">
          <label htmlFor={ids.search}>{t('search')}</label>
          <input id={ids.search} type="search" value={search} maxLength={200} autoComplete="off" onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.status}>{t('status')}</label>
          <select id={ids.status} value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
            {FILTERS.map((f) => (
              <option key={f} value={f}>
                {f === 'open' || f === 'all' ? t(`filter.${f}`) : tc(`status.${f}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div role="status" aria-live="polite">
        {notice && (
          <p className="notice">
            {notice.kind === 'resent'
              ? t('resent', { email: notice.email, date: dateTime(lang, notice.expiresAt) })
              : t(notice.kind, { email: notice.email })}
          </p>
        )}
      </div>
      <ErrorText error={error ?? resending.error ?? revokingState.error} />
      <ul className="invitations" aria-label={t('listLabel', { account: account.name })} aria-busy={loading}>
        {list?.edges.map(({ node }) => (
          <InvitationRow
            key={node.id}
            inv={node}
            capacity={capacity(node.accounts.map((a) => a.id))}
            busy={resending.loading}
            onResend={() => doResend(node)}
            onEdit={() => {
              setNotice(null);
              setEditing(node);
            }}
            onRevoke={() => setRevoking(node)}
          />
        ))}
      </ul>
      {list && list.edges.length === 0 && !loading && <p className="empty">{filter === 'open' && !q ? t('emptyOpen') : t('empty')}</p>}
      <div ref={sentinel} className="sentinel" aria-hidden="true" />
      {pageInfo?.hasNextPage ? (
        <button type="button" className="load-more" onClick={loadMore} disabled={loading}>
          {loading ? tc('loading') : tc('loadMore')}
        </button>
      ) : (
        list && list.edges.length > PAGE && <p className="muted end">{t('end')}</p>
      )}
      {editing && (
        <EditInvitation
          key={editing.id}
          inv={editing}
          capacity={capacity(editing.accounts.map((a) => a.id))}
          onClose={() => setEditing(null)}
          onSaved={(inv) => {
            setEditing(null);
            setNotice({ kind: 'updated', email: inv.email });
          }}
        />
      )}
      <Confirm
        open={revoking !== null}
        title={t('revokeTitle', { email: revoking?.email ?? '' })}
        confirmLabel={t('revokeConfirm')}
        danger
        busy={revokingState.loading}
        onConfirm={doRevoke}
        onCancel={() => setRevoking(null)}
      >
        <p>{t('revokeBody')}</p>
      </Confirm>
    </section>
  );
}

function InvitationRow({
  inv,
  capacity,
  busy,
  onResend,
  onEdit,
  onRevoke,
}: {
  inv: Invitation;
  capacity: Capacity;
  busy: boolean;
  onResend(): void;
  onEdit(): void;
  onRevoke(): void;
}) {
  const t = useT(m);
  const tc = useT(common);
  const plural = usePlural();
  const { lang } = useLanguage();
  const name = [inv.firstName, inv.lastName].filter(Boolean).join(' ');
  const open = inv.status === 'PENDING' || inv.status === 'EXPIRED';
  const mayAct = open && capacity.roles.includes(inv.role);
  const when = (iso: string) => (
    <time dateTime={iso} title={dateTime(lang, iso)}>
      {relativeTime(lang, iso)}
    </time>
  );
  // t() fills text; the times stay <time> elements, so split around {when}.
  const withWhen = (text: string, iso: string) => {
    const [before, after] = text.split('{when}');
    return (
      <>
        {before}
        {when(iso)}
        {after}
      </>
    );
  };
  return (
    <li className="invitation-row" data-email={inv.email} data-status={inv.status}>
      <div className="who">
        <span className="name">{inv.email}</span>
        {name && <span className="email">{name}</span>}
        {inv.invitedBy && <span className="muted small">{t('invitedBy', { name: inv.invitedBy.displayName })}</span>}
      </div>
      <div className="grant">
        <span className={`badge role-${inv.role.toLowerCase()}`}>{tc(`role.${inv.role}`)}</span>{' '}
        <span className="muted small">{t('on', { accounts: inv.accounts.map((a) => a.name).join(', ') })}</span>
      </div>
      <div className="sent small">
        <span className={`badge status-${inv.status.toLowerCase()}`}>{tc(`status.${inv.status}`)}</span>
        <div className="muted">
          {t(`sent.${plural(inv.sendCount)}`, { n: inv.sendCount })} · {withWhen(t('lastSent'), inv.lastSentAt)}
        </div>
        {open && <div className="muted">{withWhen(inv.status === 'PENDING' ? t('expires') : t('expired'), inv.expiresAt)}</div>}
      </div>
      <div className="row-actions">
        {mayAct && (
          <>
            <button type="button" onClick={onResend} disabled={busy} aria-label={`${t('resend')}: ${inv.email}`}>
              {t('resend')}
            </button>
            <button type="button" onClick={onEdit} aria-label={`${t('edit')}: ${inv.email}`}>
              {t('edit')}
            </button>
            <button type="button" className="danger-outline" onClick={onRevoke} aria-label={`${t('revoke')}: ${inv.email}`}>
              {t('revoke')}
            </button>
          </>
        )}
      </div>
    </li>
  );
}

// EditInvitation is a modal form (the browser's <dialog>) for an
// invitation's access, names and language; never its email.
function EditInvitation({ inv, capacity, onClose, onSaved }: { inv: Invitation; capacity: Capacity; onClose(): void; onSaved(inv: Invitation): void }) {
  const t = useT(m);
  const tc = useT(common);
  const ref = useRef<HTMLDialogElement>(null);
  const ids = { title: useId(), first: useId(), last: useId(), language: useId() };
  const [grant, setGrant] = useState<Grant>({
    role: inv.role,
    permissions: inv.permissions,
    products: inv.products.map((p) => p.key),
    restrictions: { assignedContactsOnly: inv.restrictions.assignedContactsOnly, dataExportBlocked: inv.restrictions.dataExportBlocked },
  });
  const [firstName, setFirstName] = useState(inv.firstName ?? '');
  const [lastName, setLastName] = useState(inv.lastName ?? '');
  const [language, setLanguage] = useState(inv.preferredLanguage);
  const [update, { loading, error }] = useMutation(Update);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const fitted = fitGrant(grant, capacity);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const res = await update({
        variables: { input: { id: inv.id, ...grantInput(fitted), firstName: firstName.trim(), lastName: lastName.trim(), preferredLanguage: language } },
      });
      if (res.data) onSaved(res.data.updateInvitation);
    } catch {
      // error is shown in the dialog
    }
  };

  return (
    <dialog
      ref={ref}
      className="dialog dialog-form"
      aria-labelledby={ids.title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={save}>
        <h2 id={ids.title}>{t('editTitle', { email: inv.email })}</h2>
        <p className="hint dialog-intro">{t('editHint')}</p>
        <GrantFields value={fitted} capacity={capacity} onChange={setGrant} />
        <div className="row">
          <div className="field">
            <label htmlFor={ids.first}>{t('firstName')}</label>
            <input id={ids.first} value={firstName} maxLength={100} autoComplete="off" onChange={(e) => setFirstName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.last}>{t('lastName')}</label>
            <input id={ids.last} value={lastName} maxLength={100} autoComplete="off" onChange={(e) => setLastName(e.target.value)} />
          </div>
        </div>
        <div className="field">
          <label htmlFor={ids.language}>{t('language')}</label>
          <PreferredLanguageSelect id={ids.language} value={language} onChange={setLanguage} />
        </div>
        <ErrorText error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {tc('cancel')}
          </button>
          <button type="submit" className="primary" disabled={loading}>
            {tc('save')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

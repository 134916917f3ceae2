// The members directory of the current account: who has access, their
// role, email, a live presence dot and last active; type-ahead search,
// role and status filters, ordering, endless scroll, CSV export, and the
// invitations still pending.
import { useQuery } from '@apollo/client/react';
import { useId, useState } from 'react';
import { Link } from 'react-router';

import { useAuth } from '../auth';
import { Avatar, ErrorText, LastActive } from '../components/ui';
import { graphql } from '../gql';
import type { MemberOrder, PresenceStatus, Role } from '../gql/graphql';
import { defineMessages, useT } from '../i18n';
import { common } from '../i18n/common';
import { useLivePresence } from '../presence';
import { useDebounced, useEndless } from '../hooks';
import { useViewer } from '../viewer';

const PAGE = 30;

const Directory = graphql(`
  query Directory($accountId: ID!, $filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String, $withCount: Boolean!) {
    account(id: $accountId) {
      id
      name
      membersCsvUrl
      members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        totalCount @include(if: $withCount)
        edges {
          cursor
          node {
            id
            role
            inherited
            suspended
            user {
              id
              displayName
              email
              avatarUrl
              presence {
                status
                lastActiveAt
                connectedDevices
              }
            }
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

const Pending = graphql(`
  query PendingInvitations($accountId: ID!) {
    account(id: $accountId) {
      id
      invitations(status: [PENDING], first: 20) {
        totalCount
        edges {
          node {
            id
            email
            role
            expiresAt
          }
        }
      }
    }
  }
`);

const m = defineMessages({
  en: {
    title: 'Members',
    count: '{n} people',
    search: 'Search by name or email',
    role: 'Access level',
    allRoles: 'All access levels',
    status: 'Status',
    anyStatus: 'Any status',
    order: 'Sort by',
    'order.NAME.ASC': 'Name (A–Z)',
    'order.NAME.DESC': 'Name (Z–A)',
    'order.EMAIL.ASC': 'Email',
    'order.ROLE.DESC': 'Access level',
    'order.LAST_ACTIVE.DESC': 'Last active',
    'order.JOINED.DESC': 'Newest first',
    export: 'Export CSV',
    exporting: 'Exporting…',
    invite: 'Invite people',
    inherited: 'from a parent account',
    suspended: 'Suspended',
    empty: 'Nobody matches.',
    pending: 'Pending invitations',
    pendingBadge: 'Pending',
    allInvitations: 'Manage invitations',
    listLabel: 'Members of {account}',
    end: 'That is everyone.',
  },
  fr: {
    title: 'Membres',
    count: '{n} personnes',
    search: 'Rechercher par nom ou e-mail',
    role: "Niveau d'accès",
    allRoles: "Tous les niveaux d'accès",
    status: 'Statut',
    anyStatus: 'Tous les statuts',
    order: 'Trier par',
    'order.NAME.ASC': 'Nom (A–Z)',
    'order.NAME.DESC': 'Nom (Z–A)',
    'order.EMAIL.ASC': 'E-mail',
    'order.ROLE.DESC': "Niveau d'accès",
    'order.LAST_ACTIVE.DESC': 'Dernière activité',
    'order.JOINED.DESC': "Arrivés récemment d'abord",
    export: 'Exporter en CSV',
    exporting: 'Export en cours…',
    invite: 'Inviter des personnes',
    inherited: "depuis un compte parent",
    suspended: 'Suspendu',
    empty: 'Personne ne correspond.',
    pending: 'Invitations en attente',
    pendingBadge: 'En attente',
    allInvitations: 'Gérer les invitations',
    listLabel: 'Membres de {account}',
    end: "C'est tout le monde.",
  },
});

const ORDERS = ['NAME.ASC', 'NAME.DESC', 'EMAIL.ASC', 'ROLE.DESC', 'LAST_ACTIVE.DESC', 'JOINED.DESC'] as const;
const ROLES: Role[] = ['OWNER', 'ADMIN', 'MANAGER', 'AGENT'];
const STATUSES: PresenceStatus[] = ['ONLINE', 'AWAY', 'OFFLINE'];

export function DirectoryPage() {
  const t = useT(m);
  const tc = useT(common);
  const { account, canManage } = useViewer();
  const { token } = useAuth();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const [status, setStatus] = useState<PresenceStatus | ''>('');
  const [order, setOrder] = useState<(typeof ORDERS)[number]>('NAME.ASC');
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const q = useDebounced(search.trim(), 200);
  const ids = { search: useId(), role: useId(), status: useId(), order: useId() };

  const [field, direction] = order.split('.') as [MemberOrder['field'], MemberOrder['direction']];
  const variables = {
    accountId: account.id,
    filter: { search: q || null, roles: role ? [role] : null, presence: status ? [status] : null },
    orderBy: { field, direction },
    first: PAGE,
    withCount: true,
  };
  const { data, error, loading, fetchMore } = useQuery(Directory, { variables, notifyOnNetworkStatusChange: true });
  const pending = useQuery(Pending, { variables: { accountId: account.id }, skip: !canManage });
  useLivePresence(account.id);

  const members = data?.account?.members;
  const pageInfo = members?.pageInfo;
  // Endless scroll: the next page loads as the end of the list comes into view.
  const { sentinel, loadMore } = useEndless(pageInfo, (after) => fetchMore({ variables: { after, withCount: false } }), members?.edges.length ?? 0);

  const exportCsv = async () => {
    const url = data?.account?.membersCsvUrl;
    if (!url) return;
    setExporting(true);
    setExportError(null);
    try {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      const blob = await res.blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${account.name.replace(/[^\p{L}\p{N}_-]+/gu, '-')}-members.csv`;
      a.click();
      window.setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  };

  const exportBlocked = account.viewerMembership?.restrictions.dataExportBlocked ?? true;
  const invites = pending.data?.account?.invitations;

  return (
    <section aria-labelledby="dir-title">
      <div className="page-head">
        <h1 id="dir-title">
          {t('title')} <span className="count">{members?.totalCount != null ? t('count', { n: members.totalCount }) : ''}</span>
        </h1>
        <div className="actions">
          {!exportBlocked && (
            <button type="button" onClick={exportCsv} disabled={exporting}>
              {exporting ? t('exporting') : t('export')}
            </button>
          )}
          {canManage && (
            <Link className="button primary" to={`/invite?account=${encodeURIComponent(account.id)}`}>
              {t('invite')}
            </Link>
          )}
        </div>
      </div>
      <ErrorText error={exportError} />
      <div className="filters" role="search">
        <div className="field grow">
          <label htmlFor={ids.search}>{t('search')}</label>
          <input id={ids.search} type="search" value={search} maxLength={200} autoComplete="off" onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>{t('role')}</label>
          <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as Role | '')}>
            <option value="">{t('allRoles')}</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {tc(`role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.status}>{t('status')}</label>
          <select id={ids.status} value={status} onChange={(e) => setStatus(e.target.value as PresenceStatus | '')}>
            <option value="">{t('anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {tc(`presence.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.order}>{t('order')}</label>
          <select id={ids.order} value={order} onChange={(e) => setOrder(e.target.value as (typeof ORDERS)[number])}>
            {ORDERS.map((o) => (
              <option key={o} value={o}>
                {t(`order.${o}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorText error={error} />
      <ul className="members" aria-label={t('listLabel', { account: account.name })} aria-busy={loading}>
        {members?.edges.map(({ node }) => (
          <li key={node.id} className="member-row" data-email={node.user.email} data-presence={node.user.presence.status} data-suspended={node.suspended ? 'true' : undefined}>
            <Avatar name={node.user.displayName} url={node.user.avatarUrl} status={node.user.presence.status} />
            <div className="who">
              <Link to={`/members/${encodeURIComponent(node.user.id)}?account=${encodeURIComponent(account.id)}`} className="name">
                {node.user.displayName}
              </Link>
              <span className="email">{node.user.email}</span>
            </div>
            <div className="role">
              <span className={`badge role-${node.role.toLowerCase()}`}>{tc(`role.${node.role}`)}</span>
              {node.inherited && <span className="muted small"> {t('inherited')}</span>}
              {node.suspended && <span className="badge suspended">{t('suspended')}</span>}
            </div>
            <div className="last-active">
              <LastActive status={node.user.presence.status} at={node.user.presence.lastActiveAt} />
            </div>
          </li>
        ))}
      </ul>
      {members && members.edges.length === 0 && !loading && <p className="empty">{t('empty')}</p>}
      <div ref={sentinel} className="sentinel" aria-hidden="true" />
      {pageInfo?.hasNextPage ? (
        <button type="button" className="load-more" onClick={loadMore} disabled={loading}>
          {loading ? tc('loading') : tc('loadMore')}
        </button>
      ) : (
        members && members.edges.length > PAGE && <p className="muted end">{t('end')}</p>
      )}
      {canManage && invites && invites.totalCount > 0 && (
        <section className="pending" aria-labelledby="pending-title">
          <h2 id="pending-title">
            {t('pending')} <span className="count">{invites.totalCount}</span>
          </h2>
          <ul className="members">
            {invites.edges.map(({ node }) => (
              <li key={node.id} className="member-row pending-row">
                <Avatar name={node.email} />
                <div className="who">
                  <span className="name">{node.email}</span>
                  <span className="badge pending-badge">{t('pendingBadge')}</span>
                </div>
                <div className="role">
                  <span className="badge">{tc(`role.${node.role}`)}</span>
                </div>
                <div />
              </li>
            ))}
          </ul>
          <Link to={`/invitations?account=${encodeURIComponent(account.id)}`}>{t('allInvitations')}</Link>
        </section>
      )}
    </section>
  );
}

// The organization's audit log (OWNER and ADMIN): who did what to whom,
// where and when, newest first; filtered by action, actor, target and
// dates, read a page at a time. Each entry's details (what changed, before
// and after) are shown as a table, with the raw JSON a click away.
import { useQuery } from '@apollo/client/react';
import { useId, useState } from 'react';

import { ErrorText } from '../components/ui';
import { graphql } from '../gql';
import type { AuditAction, AuditFilter } from '../gql/graphql';
import { dateTime, defineMessages, relativeTime, useLanguage, useT } from '../i18n';
import { common } from '../i18n/common';
import { useDebounced } from '../hooks';
import { useViewer } from '../viewer';

const PAGE = 25;

const AuditLog = graphql(`
  query AuditLog($orgId: ID!, $filter: AuditFilter, $first: Int, $after: String, $withCount: Boolean!) {
    organization(id: $orgId) {
      id
      auditLog(filter: $filter, first: $first, after: $after) {
        totalCount @include(if: $withCount)
        edges {
          cursor
          node {
            id
            action
            actor {
              id
              displayName
              email
              deleted
            }
            targetUser {
              id
              displayName
              email
              deleted
            }
            targetEmail
            account {
              id
              name
            }
            details
            ipAddress
            createdAt
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

const OrgPeople = graphql(`
  query AuditPeople($orgId: ID!, $search: String) {
    organization(id: $orgId) {
      id
      members(search: $search, first: 8) {
        edges {
          node {
            id
            displayName
            email
          }
        }
      }
    }
  }
`);

const ACTIONS = [
  'ORGANIZATION_CREATED',
  'ORGANIZATION_UPDATED',
  'ACCOUNT_CREATED',
  'INVITATION_SENT',
  'INVITATION_RESENT',
  'INVITATION_UPDATED',
  'INVITATION_REVOKED',
  'INVITATION_ACCEPTED',
  'MEMBER_UPDATED',
  'MEMBER_PROFILE_UPDATED',
  'ACCESS_GRANTED',
  'ACCESS_REVOKED',
  'REMOVED_FROM_ORGANIZATION',
  'LEFT_ORGANIZATION',
  'PASSWORD_RESET_SENT',
  'MEMBER_SIGNED_OUT',
  'MEMBER_SUSPENDED',
  'MEMBER_REACTIVATED',
  'CONTACTS_REASSIGNED',
  'MEMBERS_EXPORTED',
  'ACCOUNT_DELETED',
  'WEBHOOK_ENDPOINT_CREATED',
  'WEBHOOK_ENDPOINT_UPDATED',
  'WEBHOOK_ENDPOINT_DELETED',
  'WEBHOOK_SECRET_ROTATED',
  'WEBHOOK_ENDPOINT_DISABLED',
] as const satisfies readonly AuditAction[];
// Every action of the API is offered: a new one fails the build here.
const everyAction: Exclude<AuditAction, (typeof ACTIONS)[number]> extends never ? true : never = true;
void everyAction;

const m = defineMessages({
  en: {
    title: 'Audit log',
    intro: 'Everything done to the organization, its accounts and its people, newest first.',
    count: '{n} events',
    countOne: '1 event',
    filters: 'Filter the log',
    actions: 'Actions',
    allActions: 'Every action',
    clearActions: 'Clear',
    actor: 'Done by',
    target: 'Done to',
    searchPerson: 'Search by name or email',
    anyone: 'Anyone',
    nobodyMatches: 'Nobody matches.',
    matching: 'People matching, for “{what}”',
    clearPerson: 'Clear {what}',
    since: 'From',
    until: 'To (inclusive)',
    resetFilters: 'Reset filters',
    when: 'When',
    action: 'Action',
    account: 'Account',
    details: 'Details',
    ip: 'IP address',
    empty: 'No event matches these filters.',
    end: 'That is the whole log.',
    system: 'Rollcall',
    rawJson: 'JSON',
    field: 'Field',
    before: 'Before',
    after: 'After',
    yes: 'Yes',
    no: 'No',
    tableLabel: 'Audit log events',
    'action.ORGANIZATION_CREATED': 'Organization created',
    'action.ORGANIZATION_UPDATED': 'Organization updated',
    'action.ACCOUNT_CREATED': 'Account created',
    'action.INVITATION_SENT': 'Invitation sent',
    'action.INVITATION_RESENT': 'Invitation resent',
    'action.INVITATION_UPDATED': 'Invitation updated',
    'action.INVITATION_REVOKED': 'Invitation revoked',
    'action.INVITATION_ACCEPTED': 'Invitation accepted',
    'action.MEMBER_UPDATED': 'Member access changed',
    'action.MEMBER_PROFILE_UPDATED': 'Member profile edited',
    'action.ACCESS_GRANTED': 'Access granted',
    'action.ACCESS_REVOKED': 'Access revoked',
    'action.REMOVED_FROM_ORGANIZATION': 'Removed from the organization',
    'action.LEFT_ORGANIZATION': 'Left the organization',
    'action.PASSWORD_RESET_SENT': 'Password reset sent',
    'action.MEMBER_SIGNED_OUT': 'Member signed out of every device',
    'action.MEMBER_SUSPENDED': 'Member suspended',
    'action.MEMBER_REACTIVATED': 'Member reactivated',
    'action.CONTACTS_REASSIGNED': 'Contacts reassigned',
    'action.MEMBERS_EXPORTED': 'Members exported',
    'action.ACCOUNT_DELETED': 'Account deleted',
    'action.WEBHOOK_ENDPOINT_CREATED': 'Webhook endpoint added',
    'action.WEBHOOK_ENDPOINT_UPDATED': 'Webhook endpoint changed',
    'action.WEBHOOK_ENDPOINT_DELETED': 'Webhook endpoint deleted',
    'action.WEBHOOK_SECRET_ROTATED': 'Webhook signing secret rotated',
    'action.WEBHOOK_ENDPOINT_DISABLED': 'Webhook endpoint disabled after failing',
    deletedUser: 'Deleted user',
    'key.redacted': 'Personal data erased',
    'key.role': 'Access level',
    'key.permissions': 'Permissions',
    'key.products': 'Products',
    'key.accountNames': 'Accounts',
    'key.firstName': 'First name',
    'key.lastName': 'Last name',
    'key.phone': 'Phone',
    'key.preferredLanguage': 'Language',
    'key.name': 'Name',
    'key.organizationName': 'Organization',
    'key.sendCount': 'Times sent',
    'key.reassignedContacts': 'Contacts reassigned',
    'key.highestRole': 'Highest access level',
    'key.memberships': 'Accesses removed',
    'key.invitationLifetimeHours': 'Invitation lifetime (hours)',
    'key.enabledProducts': 'Enabled products',
    'key.rows': 'Rows',
    'key.moved': 'Contacts moved',
    'key.sessions': 'Devices signed out',
    'key.restrictions.assignedContactsOnly': 'Assigned contacts only',
    'key.restrictions.dataExportBlocked': 'Export blocked',
    unchanged: '{n} unchanged',
  },
  fr: {
    title: "Journal d'audit",
    intro: "Tout ce qui a été fait à l'organisation, à ses comptes et à ses membres, du plus récent au plus ancien.",
    count: '{n} événements',
    countOne: '1 événement',
    filters: 'Filtrer le journal',
    actions: 'Actions',
    allActions: 'Toutes les actions',
    clearActions: 'Effacer',
    actor: 'Fait par',
    target: 'Concerne',
    searchPerson: 'Rechercher par nom ou e-mail',
    anyone: "N'importe qui",
    nobodyMatches: 'Personne ne correspond.',
    matching: 'Personnes correspondantes, pour « {what} »',
    clearPerson: 'Effacer « {what} »',
    since: 'Du',
    until: 'Au (inclus)',
    resetFilters: 'Réinitialiser les filtres',
    when: 'Quand',
    action: 'Action',
    account: 'Compte',
    details: 'Détails',
    ip: 'Adresse IP',
    empty: 'Aucun événement ne correspond à ces filtres.',
    end: "C'est tout le journal.",
    system: 'Rollcall',
    rawJson: 'JSON',
    field: 'Champ',
    before: 'Avant',
    after: 'Après',
    yes: 'Oui',
    no: 'Non',
    tableLabel: "Événements du journal d'audit",
    'action.ORGANIZATION_CREATED': 'Organisation créée',
    'action.ORGANIZATION_UPDATED': 'Organisation modifiée',
    'action.ACCOUNT_CREATED': 'Compte créé',
    'action.INVITATION_SENT': 'Invitation envoyée',
    'action.INVITATION_RESENT': 'Invitation renvoyée',
    'action.INVITATION_UPDATED': 'Invitation modifiée',
    'action.INVITATION_REVOKED': 'Invitation révoquée',
    'action.INVITATION_ACCEPTED': 'Invitation acceptée',
    'action.MEMBER_UPDATED': "Accès d'un membre modifié",
    'action.MEMBER_PROFILE_UPDATED': "Profil d'un membre modifié",
    'action.ACCESS_GRANTED': 'Accès accordé',
    'action.ACCESS_REVOKED': 'Accès retiré',
    'action.REMOVED_FROM_ORGANIZATION': "Retiré de l'organisation",
    'action.LEFT_ORGANIZATION': "A quitté l'organisation",
    'action.PASSWORD_RESET_SENT': 'Réinitialisation du mot de passe envoyée',
    'action.MEMBER_SIGNED_OUT': 'Membre déconnecté de tous ses appareils',
    'action.MEMBER_SUSPENDED': 'Membre suspendu',
    'action.MEMBER_REACTIVATED': 'Membre réactivé',
    'action.CONTACTS_REASSIGNED': 'Contacts réattribués',
    'action.MEMBERS_EXPORTED': 'Membres exportés',
    'action.ACCOUNT_DELETED': 'Compte supprimé',
    'action.WEBHOOK_ENDPOINT_CREATED': 'Point de terminaison webhook ajouté',
    'action.WEBHOOK_ENDPOINT_UPDATED': 'Point de terminaison webhook modifié',
    'action.WEBHOOK_ENDPOINT_DELETED': 'Point de terminaison webhook supprimé',
    'action.WEBHOOK_SECRET_ROTATED': 'Secret de signature webhook renouvelé',
    'action.WEBHOOK_ENDPOINT_DISABLED': 'Point de terminaison webhook désactivé après des échecs',
    deletedUser: 'Utilisateur supprimé',
    'key.redacted': 'Données personnelles effacées',
    'key.role': "Niveau d'accès",
    'key.permissions': 'Autorisations',
    'key.products': 'Produits',
    'key.accountNames': 'Comptes',
    'key.firstName': 'Prénom',
    'key.lastName': 'Nom',
    'key.phone': 'Téléphone',
    'key.preferredLanguage': 'Langue',
    'key.name': 'Nom',
    'key.organizationName': 'Organisation',
    'key.sendCount': "Nombre d'envois",
    'key.reassignedContacts': 'Contacts réattribués',
    'key.highestRole': "Niveau d'accès le plus élevé",
    'key.memberships': 'Accès retirés',
    'key.invitationLifetimeHours': "Durée de validité des invitations (heures)",
    'key.enabledProducts': 'Produits activés',
    'key.rows': 'Lignes',
    'key.moved': 'Contacts déplacés',
    'key.sessions': 'Appareils déconnectés',
    'key.restrictions.assignedContactsOnly': 'Contacts attribués seulement',
    'key.restrictions.dataExportBlocked': 'Export bloqué',
    unchanged: '{n} inchangés',
  },
});

type Msg = keyof (typeof m)['en'];

interface Person {
  id: string;
  displayName: string;
  email: string;
  // A deleted account's tombstone: shown as "Deleted user", without its
  // pseudonymous address.
  deleted?: boolean;
}

// A date input's day as the instant its day starts here (RFC 3339).
function startOfDay(day: string, plusDays = 0): string | null {
  const [y, mo, d] = day.split('-').map(Number);
  if (!y || !mo || !d) return null;
  return new Date(y, mo - 1, d + plusDays).toISOString();
}

export function AuditPage() {
  const t = useT(m);
  const tc = useT(common);
  const { lang } = useLanguage();
  const { org } = useViewer();
  const [actions, setActions] = useState<AuditAction[]>([]);
  const [actor, setActor] = useState<Person | null>(null);
  const [target, setTarget] = useState<Person | null>(null);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const ids = { since: useId(), until: useId() };

  const filter: AuditFilter = {
    actions: actions.length ? actions : null,
    actorId: actor?.id ?? null,
    targetUserId: target?.id ?? null,
    since: since ? startOfDay(since) : null,
    // The log's until is exclusive: the day after the chosen one begins.
    until: until ? startOfDay(until, 1) : null,
  };
  const { data, error, loading, fetchMore } = useQuery(AuditLog, {
    variables: { orgId: org.id, filter, first: PAGE, withCount: true },
    notifyOnNetworkStatusChange: true,
  });
  const log = data?.organization?.auditLog;
  const [moreError, setMoreError] = useState<unknown>(null);
  const loadMore = async () => {
    if (!log?.pageInfo.hasNextPage) return;
    setMoreError(null);
    try {
      await fetchMore({ variables: { after: log.pageInfo.endCursor, withCount: false } });
    } catch (e) {
      setMoreError(e);
    }
  };

  const toggleAction = (a: AuditAction, on: boolean) => setActions(on ? [...actions, a] : actions.filter((x) => x !== a));
  const filtered = actions.length > 0 || actor || target || since || until;

  return (
    <section aria-labelledby="audit-title" className="audit">
      <div className="page-head">
        <div>
          <h1 id="audit-title">
            {t('title')} <span className="count">{log?.totalCount != null ? (log.totalCount === 1 ? t('countOne') : t('count', { n: log.totalCount })) : ''}</span>
          </h1>
          <p className="muted">{t('intro')}</p>
        </div>
      </div>
      <form className="card audit-filters" role="search" aria-label={t('filters')} onSubmit={(e) => e.preventDefault()}>
        <fieldset className="audit-actions">
          <legend>{t('actions')}</legend>
          <div className="check-grid">
            {ACTIONS.map((a) => (
              <label key={a} className="check">
                <input type="checkbox" checked={actions.includes(a)} onChange={(e) => toggleAction(a, e.target.checked)} />
                {t(`action.${a}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="filters">
          <PersonPicker label={t('actor')} value={actor} onChange={setActor} />
          <PersonPicker label={t('target')} value={target} onChange={setTarget} />
          <div className="field">
            <label htmlFor={ids.since}>{t('since')}</label>
            <input id={ids.since} type="date" value={since} max={until || undefined} onChange={(e) => setSince(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.until}>{t('until')}</label>
            <input id={ids.until} type="date" value={until} min={since || undefined} onChange={(e) => setUntil(e.target.value)} />
          </div>
        </div>
        {filtered && (
          <button
            type="button"
            onClick={() => {
              setActions([]);
              setActor(null);
              setTarget(null);
              setSince('');
              setUntil('');
            }}
          >
            {t('resetFilters')}
          </button>
        )}
      </form>
      <ErrorText error={error} />
      {log && (
        <div className="table-wrap audit-table">
          <table aria-label={t('tableLabel')} aria-busy={loading}>
            <thead>
              <tr>
                <th scope="col">{t('when')}</th>
                <th scope="col">{t('action')}</th>
                <th scope="col">{t('actor')}</th>
                <th scope="col">{t('target')}</th>
                <th scope="col">{t('account')}</th>
                <th scope="col">{t('details')}</th>
              </tr>
            </thead>
            <tbody>
              {log.edges.map(({ node: e }) => (
                <tr key={e.id} data-action={e.action}>
                  <td data-label={t('when')} className="when">
                    <time dateTime={e.createdAt} title={dateTime(lang, e.createdAt)}>
                      {relativeTime(lang, e.createdAt)}
                    </time>
                    {e.ipAddress && (
                      <span className="muted small ip">
                        {t('ip')} {e.ipAddress}
                      </span>
                    )}
                  </td>
                  <td data-label={t('action')}>
                    <span className={`badge action action-${e.action.toLowerCase().split('_')[0]}`}>{t(`action.${e.action}`)}</span>
                  </td>
                  <td data-label={t('actor')}>{e.actor ? <PersonCell p={e.actor} /> : <span className="muted">{t('system')}</span>}</td>
                  <td data-label={t('target')}>
                    {e.targetUser ? <PersonCell p={e.targetUser} /> : e.targetEmail ? <Email address={e.targetEmail} /> : <span className="muted">—</span>}
                  </td>
                  <td data-label={t('account')}>{e.account?.name ?? <span className="muted">—</span>}</td>
                  <td data-label={t('details')} className="audit-details">
                    <Details json={e.details} t={t} tc={tc} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log && log.edges.length === 0 && !loading && <p className="empty">{t('empty')}</p>}
      <ErrorText error={moreError} />
      {log?.pageInfo.hasNextPage ? (
        <button type="button" className="load-more" onClick={loadMore} disabled={loading}>
          {loading ? tc('loading') : tc('loadMore')}
        </button>
      ) : (
        log && log.edges.length > PAGE && <p className="muted end">{t('end')}</p>
      )}
      {!log && !error && <p role="status">{tc('loading')}</p>}
    </section>
  );
}

function PersonCell({ p }: { p: Person }) {
  const t = useT(m);
  if (p.deleted) return <span className="who muted">{t('deletedUser')}</span>;
  return (
    <span className="who">
      <span className="name">{p.displayName}</span>
      <Email address={p.email} />
    </span>
  );
}

// Email may break before its @ in a narrow column, nowhere else.
function Email({ address }: { address: string }) {
  const at = address.lastIndexOf('@');
  return (
    <span className="email">
      {at > 0 ? (
        <>
          {address.slice(0, at)}
          <wbr />
          {address.slice(at)}
        </>
      ) : (
        address
      )}
    </span>
  );
}

// PersonPicker: type-ahead over the organization's directory; the chosen
// person shows with a button to clear them.
function PersonPicker({ label, value, onChange }: { label: string; value: Person | null; onChange(p: Person | null): void }) {
  const t = useT(m);
  const { org } = useViewer();
  const id = useId();
  const listId = useId();
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 200);
  const { data } = useQuery(OrgPeople, { variables: { orgId: org.id, search: q }, skip: !q || value !== null });
  const people = q ? (data?.organization?.members.edges.map((e) => e.node) ?? []) : [];

  if (value) {
    return (
      <div className="field person-picker">
        <span className="label" id={id}>
          {label}
        </span>
        <span className="chip" aria-labelledby={id}>
          <span>
            {value.displayName} <span className="muted small">{value.email}</span>
          </span>
          <button type="button" className="chip-clear" aria-label={t('clearPerson', { what: `${label}: ${value.displayName}` })} onClick={() => onChange(null)}>
            ×
          </button>
        </span>
      </div>
    );
  }
  return (
    <div className="field person-picker">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        autoComplete="off"
        placeholder={t('anyone')}
        aria-describedby={`${id}-hint`}
        aria-controls={listId}
        value={text}
        maxLength={200}
        onChange={(e) => setText(e.target.value)}
      />
      <span className="visually-hidden" id={`${id}-hint`}>
        {t('searchPerson')}
      </span>
      <ul className="suggestions" id={listId} aria-label={t('matching', { what: label })} hidden={!q}>
        {people.map((p) => (
          <li key={p.id}>
            <button
              type="button"
              onClick={() => {
                onChange(p);
                setText('');
              }}
            >
              {p.displayName} <span className="muted small">{p.email}</span>
            </button>
          </li>
        ))}
        {q && data && people.length === 0 && <li className="muted small">{t('nobodyMatches')}</li>}
      </ul>
    </div>
  );
}

// The order details read in: what access, where, then the rest.
const KEY_ORDER = ['role', 'highestRole', 'accountNames', 'name', 'firstName', 'lastName', 'phone', 'permissions', 'products', 'restrictions'];

type Tr = (key: Msg, vars?: Record<string, string | number>) => string;
type Trc = ReturnType<typeof useT<keyof (typeof common)['en']>>;

// Details: an event's JSON as people read it. before/after become a table
// of the fields that differ (and those that stayed, muted); other keys a
// list; the JSON itself stays one click away.
function Details({ json, t, tc }: { json: string; t: Tr; tc: Trc }) {
  let obj: Record<string, unknown> | null = null;
  try {
    const v = JSON.parse(json) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) obj = v as Record<string, unknown>;
  } catch {
    obj = null;
  }
  if (!obj) return <code>{json}</code>;
  if (Object.keys(obj).length === 0) return <span className="muted">—</span>;

  const label = (k: string): string => {
    const key = `key.${k}` as Msg;
    if (key in m.en) return t(key);
    // camelCase to words
    return k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
  };
  const show = (k: string, v: unknown): string => {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'boolean') return v ? t('yes') : t('no');
    if ((k === 'role' || k === 'highestRole') && typeof v === 'string' && `role.${v}` in common.en) return tc(`role.${v}` as keyof (typeof common)['en']);
    if (Array.isArray(v)) {
      if (v.length === 0) return '—';
      return v
        .map((x) => (k === 'permissions' && typeof x === 'string' && `permission.${x}` in common.en ? tc(`permission.${x}` as keyof (typeof common)['en']) : typeof x === 'object' ? JSON.stringify(x) : String(x)))
        .join(', ');
    }
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  // One level of nesting (restrictions) becomes dotted keys. Global IDs
  // beside their names (accounts beside accountNames) are left to the JSON.
  const flatten = (o: unknown): Map<string, unknown> => {
    const out = new Map<string, unknown>();
    if (!o || typeof o !== 'object' || Array.isArray(o)) return out;
    const rec = o as Record<string, unknown>;
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'accounts' && 'accountNames' in rec) continue;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out.set(`${k}.${k2}`, v2);
      } else out.set(k, v);
    }
    return out;
  };

  const hasDiff = 'before' in obj || 'after' in obj;
  const both = 'before' in obj && 'after' in obj;
  const before = flatten(obj.before);
  const after = flatten(obj.after);
  const order = (k: string) => {
    const i = KEY_ORDER.indexOf(k.split('.')[0]);
    return i < 0 ? KEY_ORDER.length : i;
  };
  const byOrder = (a: string, b: string) => order(a) - order(b);
  // Nothing to say: no value, or a restriction that is off.
  const empty = (k: string, v: unknown) => v === false || show(k, v) === '—';
  // Both sides: the fields that changed (the JSON keeps the rest). One
  // side (access granted or revoked): its values that say something.
  const allKeys = [...new Set([...before.keys(), ...after.keys()])].sort(byOrder);
  const keys = both
    ? allKeys.filter((k) => show(k, before.get(k)) !== show(k, after.get(k)))
    : allKeys.filter((k) => !empty(k, before.get(k) ?? after.get(k)));
  const unchanged = both ? allKeys.length - keys.length : 0;
  const rest = flatten(Object.fromEntries(Object.entries(obj).filter(([k]) => k !== 'before' && k !== 'after')));
  const restKeys = [...rest.keys()].filter((k) => !(k === 'invitation' || k === 'parentId') && !empty(k, rest.get(k))).sort(byOrder);

  return (
    <div className="details">
      {hasDiff && keys.length > 0 && (
        <table className="diff">
          <thead>
            <tr>
              <th scope="col">{t('field')}</th>
              {'before' in obj && <th scope="col">{t('before')}</th>}
              {'after' in obj && <th scope="col">{t('after')}</th>}
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k} className="changed">
                <th scope="row">{label(k)}</th>
                {'before' in obj && <td>{both ? <del>{show(k, before.get(k))}</del> : show(k, before.get(k))}</td>}
                {'after' in obj && <td>{both ? <ins>{show(k, after.get(k))}</ins> : show(k, after.get(k))}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {unchanged > 0 && <p className="muted small unchanged">{t('unchanged', { n: unchanged })}</p>}
      {restKeys.length > 0 && (
        <dl className="kv">
          {restKeys.map((k) => (
            <div key={k}>
              <dt>{label(k)}</dt>
              <dd>{show(k, rest.get(k))}</dd>
            </div>
          ))}
        </dl>
      )}
      <details className="raw">
        <summary>{t('rawJson')}</summary>
        <pre>{JSON.stringify(obj, null, 2)}</pre>
      </details>
    </div>
  );
}

// Inviting people: paste addresses, choose the access they get (access
// level, accounts, products, permissions, restrictions), check the list,
// send, and see what became of each address. The access-level pieces
// (what the viewer may give, the fields that choose it) serve the
// invitations page's edit dialog too.
import type { ApolloCache } from '@apollo/client';
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { ErrorText, PreferredLanguageSelect } from '../components/ui';
import { graphql } from '../gql';
import type { InviteUsersMutation, Permission, Role } from '../gql/graphql';
import { dateTime, defineMessages, useLanguage, useT } from '../i18n';
import { common } from '../i18n/common';
import { useViewer, type Org } from '../viewer';

// ---- What the viewer may give ----

const GrantOptions = graphql(`
  query GrantOptions($orgId: ID!) {
    organization(id: $orgId) {
      id
      enabledProducts {
        key
        name
      }
      accounts {
        id
        viewerMembership {
          id
          products {
            key
          }
        }
      }
    }
  }
`);

export const ROLES: Role[] = ['OWNER', 'ADMIN', 'MANAGER', 'AGENT'];

export interface Restrictions {
  assignedContactsOnly: boolean;
  dataExportBlocked: boolean;
}

export interface Grant {
  role: Role;
  permissions: Permission[];
  products: string[];
  restrictions: Restrictions;
}

export interface Product {
  key: string;
  name: string;
}

// Capacity is what the viewer may give on every one of a set of accounts,
// by the API's rules: OWNER any role, ADMIN up to ADMIN, MANAGER AGENT
// only; a permission they hold (OWNER holds all); a product enabled for the
// organization that they use (OWNER and ADMIN use every one); and a
// restricted MANAGER passes their own restrictions on.
export interface Capacity {
  roles: Role[];
  billing: boolean;
  products: Product[];
  forced: Restrictions;
}

// limited: the roles restrictions and products apply to.
export function limited(role: Role): boolean {
  return role === 'MANAGER' || role === 'AGENT';
}

function grantableRoles(role: Role | undefined): Role[] {
  switch (role) {
    case 'OWNER':
      return ROLES;
    case 'ADMIN':
      return ROLES.slice(1);
    case 'MANAGER':
      return ['AGENT'];
    default:
      return [];
  }
}

function capacityOf(org: Org, accountIds: readonly string[], held: Map<string, string[]>, enabled: Product[]): Capacity {
  const ms = accountIds.map((id) => ({ m: org.accounts.find((a) => a.id === id)?.viewerMembership, products: held.get(id) ?? [] }));
  const atLeastAdmin = (r?: Role) => r === 'OWNER' || r === 'ADMIN';
  return {
    roles: ms.length === 0 ? [] : ROLES.filter((r) => ms.every(({ m }) => grantableRoles(m?.role).includes(r))),
    billing: ms.length > 0 && ms.every(({ m }) => m?.role === 'OWNER' || (m?.permissions.includes('BILLING_MANAGER') ?? false)),
    products: enabled.filter((p) => ms.every(({ m, products }) => atLeastAdmin(m?.role) || products.includes(p.key))),
    forced: {
      assignedContactsOnly: ms.some(({ m }) => m && !atLeastAdmin(m.role) && m.restrictions.assignedContactsOnly),
      dataExportBlocked: ms.some(({ m }) => m && !atLeastAdmin(m.role) && m.restrictions.dataExportBlocked),
    },
  };
}

// useCapacity gives what the viewer may grant on a set of accounts, and the
// organization's enabled products.
export function useCapacity(): { capacity(accountIds: readonly string[]): Capacity; enabled: Product[]; error: unknown } {
  const { org } = useViewer();
  const { data, error } = useQuery(GrantOptions, { variables: { orgId: org.id } });
  return useMemo(() => {
    const o = data?.organization;
    const enabled = o?.enabledProducts ?? [];
    const held = new Map((o?.accounts ?? []).map((a) => [a.id, (a.viewerMembership?.products ?? []).map((p) => p.key)]));
    return { capacity: (ids: readonly string[]) => capacityOf(org, ids, held, enabled), enabled, error };
  }, [data, error, org]);
}

// fitGrant keeps a grant within capacity where the form alone cannot: the
// role falls to the highest the viewer may give, and restrictions the
// viewer is under stay on. Anything else beyond it is the API's to refuse.
export function fitGrant(g: Grant, c: Capacity): Grant {
  const role = c.roles.includes(g.role) || c.roles.length === 0 ? g.role : c.roles[0];
  return {
    ...g,
    role,
    restrictions: {
      assignedContactsOnly: g.restrictions.assignedContactsOnly || c.forced.assignedContactsOnly,
      dataExportBlocked: g.restrictions.dataExportBlocked || c.forced.dataExportBlocked,
    },
  };
}

// grantInput is a grant as the API takes it: products and restrictions
// only for the roles they apply to.
export function grantInput(g: Grant) {
  const l = limited(g.role);
  return {
    role: g.role,
    permissions: g.permissions,
    products: l ? g.products : [],
    restrictions: l ? g.restrictions : { assignedContactsOnly: false, dataExportBlocked: false },
  };
}

const gm = defineMessages({
  en: {
    role: 'Access level',
    'roleHelp.OWNER': 'Full control: every account and person, owners included, and the organization’s settings.',
    'roleHelp.ADMIN': 'Manages people, accounts and settings, except owners.',
    'roleHelp.MANAGER': 'Invites and manages agents on their accounts.',
    'roleHelp.AGENT': 'Works with the products they are given; manages nobody.',
    noRole: 'You cannot give access on these accounts.',
    products: 'Products',
    productsHelp: 'Owners and admins use every product.',
    noProducts: 'No product to give: none is enabled, or you use none.',
    permissions: 'Permissions',
    billingHelp: 'May change the organization’s enabled products.',
    restrictions: 'Restrictions',
    forced: 'Your own access has this restriction, so theirs must too.',
  },
  fr: {
    role: "Niveau d'accès",
    'roleHelp.OWNER': "Contrôle total : tous les comptes et toutes les personnes, propriétaires compris, et les réglages de l'organisation.",
    'roleHelp.ADMIN': 'Gère les personnes, les comptes et les réglages, sauf les propriétaires.',
    'roleHelp.MANAGER': 'Invite et gère les agents de ses comptes.',
    'roleHelp.AGENT': 'Utilise les produits qui lui sont attribués ; ne gère personne.',
    noRole: "Vous ne pouvez pas donner d'accès sur ces comptes.",
    products: 'Produits',
    productsHelp: 'Les propriétaires et les administrateurs utilisent tous les produits.',
    noProducts: "Aucun produit à attribuer : aucun n'est activé, ou vous n'en utilisez aucun.",
    permissions: 'Autorisations',
    billingHelp: "Peut modifier les produits activés de l'organisation.",
    restrictions: 'Restrictions',
    forced: 'Votre propre accès a cette restriction : le sien doit l’avoir aussi.',
  },
});

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? (list.includes(item) ? list : [...list, item]) : list.filter((x) => x !== item);
}

// GrantFields chooses an access level and, by role, the products,
// permissions and restrictions that go with it.
export function GrantFields({ value, capacity, onChange }: { value: Grant; capacity: Capacity; onChange(g: Grant): void }) {
  const t = useT(gm);
  const tc = useT(common);
  const id = useId();
  const l = limited(value.role);
  const restrictionKeys = ['assignedContactsOnly', 'dataExportBlocked'] as const;
  return (
    <>
      <fieldset className="choices">
        <legend>{t('role')}</legend>
        {capacity.roles.length === 0 && <p className="hint">{t('noRole')}</p>}
        {capacity.roles.map((r) => (
          <div className="choice" key={r}>
            <input
              type="radio"
              id={`${id}-role-${r}`}
              name={`${id}-role`}
              value={r}
              checked={value.role === r}
              onChange={() => onChange({ ...value, role: r })}
              aria-describedby={`${id}-role-${r}-help`}
            />
            <label htmlFor={`${id}-role-${r}`}>{tc(`role.${r}`)}</label>
            <p className="hint" id={`${id}-role-${r}-help`}>
              {t(`roleHelp.${r}`)}
            </p>
          </div>
        ))}
      </fieldset>
      {l && (
        <fieldset>
          <legend>{t('products')}</legend>
          {capacity.products.length === 0 && <p className="hint">{t('noProducts')}</p>}
          {capacity.products.map((p) => (
            <label className="check" key={p.key}>
              <input
                type="checkbox"
                checked={value.products.includes(p.key)}
                onChange={(e) => onChange({ ...value, products: toggle(value.products, p.key, e.target.checked) })}
              />
              {p.name}
            </label>
          ))}
          <p className="hint">{t('productsHelp')}</p>
        </fieldset>
      )}
      {capacity.billing && (
        <fieldset>
          <legend>{t('permissions')}</legend>
          <div className="choice">
            <input
              type="checkbox"
              id={`${id}-billing`}
              checked={value.permissions.includes('BILLING_MANAGER')}
              onChange={(e) => onChange({ ...value, permissions: toggle(value.permissions, 'BILLING_MANAGER' as Permission, e.target.checked) })}
              aria-describedby={`${id}-billing-help`}
            />
            <label htmlFor={`${id}-billing`}>{tc('permission.BILLING_MANAGER')}</label>
            <p className="hint" id={`${id}-billing-help`}>
              {t('billingHelp')}
            </p>
          </div>
        </fieldset>
      )}
      {l && (
        <fieldset>
          <legend>{t('restrictions')}</legend>
          {restrictionKeys.map((k) => (
            <div className="choice plain" key={k}>
              <input
                type="checkbox"
                id={`${id}-${k}`}
                checked={value.restrictions[k] || capacity.forced[k]}
                disabled={capacity.forced[k]}
                onChange={(e) => onChange({ ...value, restrictions: { ...value.restrictions, [k]: e.target.checked } })}
                aria-describedby={capacity.forced[k] ? `${id}-${k}-help` : undefined}
              />
              <label htmlFor={`${id}-${k}`}>{tc(`restriction.${k}`)}</label>
              {capacity.forced[k] && (
                <p className="hint" id={`${id}-${k}-help`}>
                  {t('forced')}
                </p>
              )}
            </div>
          ))}
        </fieldset>
      )}
    </>
  );
}

// ---- Reading a pasted list ----
// The same reading as the API's (models.ParseEmailList), so the preview
// lists what will be sent: entries split at commas, semicolons and line
// breaks, then at spaces; `Name <address>` and `"Last, First" <address>`
// are one entry; quotes, brackets and mailto: around an address are
// dropped; anything else is one invalid entry.

export const MAX_ADDRESSES = 100;
const MAX_TEXT = 64 << 10;

export interface Entry {
  raw: string;
  address: string; // normalized; empty when invalid
  name: string;
  valid: boolean;
  duplicateOf: number | null; // the index of the entry this repeats
}

const LINE_BREAKS = '\n\r\v\f\u0085\u2028\u2029';
const BREAKS = ',;\uff0c\uff1b\u3001\u060c\u061b' + LINE_BREAKS;
const SPACE = /^[\s\p{Cc}\u200b\u2060\ufeff]$/u;
const WRAPPERS: [string, string][] = [
  ['"', '"'],
  ["'", "'"],
  ['<', '>'],
  ['(', ')'],
  ['[', ']'],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
  ['\u00ab', '\u00bb'],
  ['\u201e', '\u201c'],
];
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\p{L}\p{M}\p{N}]+$/u;
const LABEL = /^[a-z0-9\p{L}\p{M}\p{N}](?:[a-z0-9\-\p{L}\p{M}\p{N}]*[a-z0-9\p{L}\p{M}\p{N}])?$/u;

const bytes = (s: string) => new TextEncoder().encode(s).length;

function unwrapOnce(s: string): string {
  for (const [open, close] of WRAPPERS) {
    if (s.length >= open.length + close.length && s.startsWith(open) && s.endsWith(close)) return s.slice(open.length, s.length - close.length).trim();
  }
  return s;
}

function unwrapAddress(s: string): string {
  s = s.trim();
  for (let i = 0; i < 4; i++) {
    let t = unwrapOnce(s);
    if (t.slice(0, 7).toLowerCase() === 'mailto:') t = t.slice(7).trim();
    if (t === s) break;
    s = t;
  }
  return s;
}

function normalizeAddress(raw: string): string | null {
  const s = raw.normalize('NFC');
  if (!s || bytes(s) > 254) return null;
  const parts = s.split('@');
  if (parts.length !== 2) return null;
  const [local, d] = parts;
  const domain = d.toLowerCase();
  if (!local || bytes(local) > 64 || local.split('.').some((p) => !ATEXT.test(p))) return null;
  const labels = domain.split('.');
  if (labels.length < 2 || bytes(domain) > 253 || labels.some((l) => [...l].length > 63 || !LABEL.test(l))) return null;
  const tld = labels[labels.length - 1];
  if ([...tld].length < 2 || /^[0-9]+$/.test(tld)) return null;
  return `${local}@${domain}`;
}

function cleanName(name: string, address: string): string {
  let n = name.split(/[\s\p{Cc}]+/u).filter(Boolean).join(' ');
  for (let u = unwrapOnce(n); u !== n; u = unwrapOnce(n)) n = u;
  n = [...n].slice(0, 200).join('').trim();
  return address && n.toLowerCase() === address.toLowerCase() ? '' : n;
}

function unquote(w: string): string {
  return w.replace(/"((?:[^"\\]|\\.)*)"/g, (_, inner: string) => inner.replace(/\\(.)/g, '$1'));
}

type Token = { kind: 'word' | 'angle' | 'break'; text: string };

function tokenize(text: string): Token[] {
  const s = [...text];
  const out: Token[] = [];
  const isBreak = (c: string) => BREAKS.includes(c);
  const isSpace = (c: string) => SPACE.test(c);
  // An opener before these positions is known to have no closer on its
  // line, which keeps the scan linear.
  const failed: Record<string, number> = { '"': -1, '(': -1 };
  const close = (i: number): number => {
    const open = s[i];
    if (i < failed[open]) return -1;
    const closer = open === '"' ? '"' : ')';
    for (let k = i + 1; k < s.length; k++) {
      if (LINE_BREAKS.includes(s[k])) {
        failed[open] = k;
        return -1;
      }
      if (open === '"' && s[k] === '\\') k++;
      else if (s[k] === closer) return k + 1;
    }
    failed[open] = s.length;
    return -1;
  };
  const angleEnd = (i: number): number => {
    for (let k = i + 1; k < s.length; k++) {
      if (s[k] === '>') return k + 1;
      if (s[k] === '<' || isBreak(s[k])) return -1;
    }
    return -1;
  };
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (isBreak(c)) {
      if (out.length > 0 && out[out.length - 1].kind !== 'break') out.push({ kind: 'break', text: c });
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '<') {
      const j = angleEnd(i);
      if (j > 0) {
        out.push({ kind: 'angle', text: s.slice(i, j).join('') });
        i = j;
        continue;
      }
    }
    let j = i;
    while (j < s.length && !isBreak(s[j]) && !isSpace(s[j])) {
      if (s[j] === '"' || s[j] === '(') {
        const k = close(j);
        if (k > 0) {
          j = k;
          continue;
        }
      }
      if (s[j] === '<' && j > i && angleEnd(j) > 0) break;
      j++;
    }
    out.push({ kind: 'word', text: s.slice(i, j).join('') });
    i = j;
  }
  return out;
}

// parseAddresses lists every entry of the text in order, duplicates
// included and pointing at the entry they repeat.
export function parseAddresses(text: string): Entry[] {
  const toks = tokenize(text);
  const out: Entry[] = [];
  const index = new Map<string, number>();
  let pending: string[] = [];
  let last = -1;
  const add = (raw: string, candidate: string, name: string): number => {
    const address = normalizeAddress(unwrapAddress(candidate)) ?? '';
    const e: Entry = { raw: raw.trim(), address, name: cleanName(name, address), valid: address !== '', duplicateOf: null };
    const key = e.valid ? address.normalize('NFC').toLowerCase() : `invalid:${e.raw.toLowerCase()}`;
    const first = index.get(key);
    if (first === undefined) index.set(key, out.length);
    else {
      e.duplicateOf = first;
      if (!out[first].name) out[first].name = e.name;
    }
    out.push(e);
    return first ?? out.length - 1;
  };
  const flush = () => {
    if (pending.length > 0) add(pending.join(' '), '', '');
    pending = [];
  };
  toks.forEach((tok, i) => {
    if (tok.kind === 'break') {
      flush();
      last = -1;
    } else if (tok.kind === 'angle') {
      const name = pending.map(unquote).join(' ');
      const raw = [...pending, tok.text].join(' ');
      pending = [];
      last = add(raw, tok.text.slice(1, -1), name);
    } else if (tok.text.includes('@') && !namesAngle(tok.text, toks[i + 1])) {
      flush();
      last = add(tok.text, tok.text, '');
    } else if (pending.length === 0 && last >= 0 && /^\([^@]*\)$/.test(tok.text)) {
      // ada@example.com (Ada Lovelace)
      const e = out[last];
      if (e.valid && !e.name) e.name = cleanName(tok.text.slice(1, -1), e.address);
      last = -1;
    } else {
      pending.push(tok.text);
      last = -1;
    }
  });
  flush();
  return out;
}

// namesAngle: a quoted word holding an @ just before an <address> is its
// name when it is no address itself or the same one.
function namesAngle(word: string, next: Token | undefined): boolean {
  if (next?.kind !== 'angle' || unwrapOnce(word) === word) return false;
  const own = normalizeAddress(unwrapAddress(word));
  return own === null || own.toLowerCase() === normalizeAddress(unwrapAddress(next.text.slice(1, -1)))?.toLowerCase();
}

export type InvalidReason = 'noAt' | 'manyAt' | 'domainDot' | 'other';

// invalidReason says why an entry is no address, as the API does.
export function invalidReason(raw: string): InvalidReason {
  const at = raw.split('@').length - 1;
  if (at === 0) return 'noAt';
  if (at > 1) return 'manyAt';
  return raw.split('@')[1].includes('.') ? 'other' : 'domainDot';
}

// ---- The page ----

const InviteUsers = graphql(`
  mutation InviteUsers($input: InviteUsersInput!) {
    inviteUsers(input: $input) {
      results {
        email
        outcome
        invitation {
          id
          expiresAt
        }
      }
    }
  }
`);

type Result = InviteUsersMutation['inviteUsers']['results'][number];


// evictInvitations drops the cached invitation lists of the accounts, so
// every list on screen reads them again.
export function evictInvitations(cache: ApolloCache, accountIds: readonly string[]) {
  for (const id of accountIds) cache.evict({ id: cache.identify({ __typename: 'Account', id }), fieldName: 'invitations' });
  cache.gc();
}

// usePlural picks the one or other form of a count in the reader's language.
export function usePlural(): (n: number) => 'one' | 'other' {
  const { lang } = useLanguage();
  return useMemo(() => {
    const rules = new Intl.PluralRules(lang);
    return (n: number) => (rules.select(n) === 'one' ? 'one' : 'other');
  }, [lang]);
}

const OUTCOMES = ['INVITED', 'ALREADY_MEMBER', 'ALREADY_INVITED', 'INVALID_EMAIL'] as const;

const m = defineMessages({
  en: {
    title: 'Invite people',
    intro: 'Each person gets an email with a link to join. Until they accept, they are listed as pending.',
    cannot: 'You cannot invite people to this account. Owners, admins and managers can.',
    emails: 'Email addresses',
    emailsHint: 'Paste a column from a spreadsheet, or separate addresses with commas or semicolons. “Name <address>” works too. At most 100 at a time.',
    accounts: 'Accounts',
    accountsHint: 'They get the same access on every account you tick.',
    about: 'About this person (optional)',
    firstName: 'First name',
    lastName: 'Last name',
    language: 'Language of the invitation email',
    preview: 'Preview',
    empty: 'Enter at least one email address.',
    noAccount: 'Choose at least one account.',
    tooMany: 'That is {n} addresses: invite at most 100 at a time.',
    tooLong: 'This list is too long: invite at most 100 addresses at a time.',
    previewTitle: 'Check the list',
    'previewCount.one': '{n} address to invite',
    'previewCount.other': '{n} addresses to invite',
    'previewInvalid.one': '{n} does not look like an email address',
    'previewInvalid.other': '{n} do not look like email addresses',
    'previewDuplicate.one': '{n} listed twice',
    'previewDuplicate.other': '{n} listed twice',
    previewAs: 'As {role} on {accounts}.',
    previewProducts: 'Products: {products}.',
    previewNoProducts: 'No products.',
    previewListLabel: 'Addresses in the list',
    duplicate: 'Listed twice: invited once',
    invalid: 'Not an email address',
    'reason.noAt': 'It has no @.',
    'reason.manyAt': 'It has more than one @.',
    'reason.domainDot': 'The domain needs a dot, like example.com.',
    'reason.other': 'It is not a valid address, like name@example.com.',
    back: 'Back',
    send: 'Send invitations',
    sending: 'Sending…',
    noneValid: 'No address in the list can be invited.',
    sentTitle: 'Invitations sent',
    noneSentTitle: 'No invitation sent',
    resultsListLabel: 'What became of each address',
    'outcome.INVITED': 'Invited',
    'outcome.ALREADY_MEMBER': 'Already a member',
    'outcome.ALREADY_INVITED': 'Already invited',
    'outcome.INVALID_EMAIL': 'Invalid address',
    'count.INVITED.one': '{n} invited',
    'count.INVITED.other': '{n} invited',
    'count.ALREADY_MEMBER.one': '{n} already a member',
    'count.ALREADY_MEMBER.other': '{n} already members',
    'count.ALREADY_INVITED.one': '{n} already invited',
    'count.ALREADY_INVITED.other': '{n} already invited',
    'count.INVALID_EMAIL.one': '{n} invalid address',
    'count.INVALID_EMAIL.other': '{n} invalid addresses',
    invitedUntil: 'The link in the email works until {date}.',
    alreadyMember: 'This person already has access to these accounts.',
    alreadyInvited: 'An invitation is already pending for this address: resend or edit it instead.',
    manage: 'See pending invitations',
    again: 'Invite more people',
  },
  fr: {
    title: 'Inviter des personnes',
    intro: "Chaque personne reçoit un e-mail avec un lien pour nous rejoindre. Tant qu'elle n'a pas accepté, elle apparaît comme en attente.",
    cannot: 'Vous ne pouvez pas inviter de personnes sur ce compte. Les propriétaires, administrateurs et responsables le peuvent.',
    emails: 'Adresses e-mail',
    emailsHint: 'Collez une colonne de tableur, ou séparez les adresses par des virgules ou des points-virgules. « Nom <adresse> » fonctionne aussi. 100 au plus à la fois.',
    accounts: 'Comptes',
    accountsHint: 'Ces personnes reçoivent le même accès sur chaque compte coché.',
    about: 'À propos de cette personne (facultatif)',
    firstName: 'Prénom',
    lastName: 'Nom',
    language: "Langue de l'e-mail d'invitation",
    preview: 'Aperçu',
    empty: 'Saisissez au moins une adresse e-mail.',
    noAccount: 'Choisissez au moins un compte.',
    tooMany: 'Cela fait {n} adresses : invitez-en 100 au plus à la fois.',
    tooLong: 'Cette liste est trop longue : invitez 100 adresses au plus à la fois.',
    previewTitle: 'Vérifiez la liste',
    'previewCount.one': '{n} adresse à inviter',
    'previewCount.other': '{n} adresses à inviter',
    'previewInvalid.one': '{n} ne ressemble pas à une adresse e-mail',
    'previewInvalid.other': '{n} ne ressemblent pas à des adresses e-mail',
    'previewDuplicate.one': '{n} en double',
    'previewDuplicate.other': '{n} en double',
    previewAs: 'En tant que {role} sur {accounts}.',
    previewProducts: 'Produits : {products}.',
    previewNoProducts: 'Aucun produit.',
    previewListLabel: 'Adresses de la liste',
    duplicate: 'En double : invitée une seule fois',
    invalid: "Ce n'est pas une adresse e-mail",
    'reason.noAt': "Il n'y a pas de @.",
    'reason.manyAt': 'Il y a plus d’un @.',
    'reason.domainDot': 'Le domaine doit contenir un point, comme exemple.com.',
    'reason.other': "Ce n'est pas une adresse valide, comme nom@exemple.com.",
    back: 'Retour',
    send: 'Envoyer les invitations',
    sending: 'Envoi…',
    noneValid: 'Aucune adresse de la liste ne peut être invitée.',
    sentTitle: 'Invitations envoyées',
    noneSentTitle: 'Aucune invitation envoyée',
    resultsListLabel: 'Le sort de chaque adresse',
    'outcome.INVITED': 'Invitée',
    'outcome.ALREADY_MEMBER': 'Déjà membre',
    'outcome.ALREADY_INVITED': 'Déjà invitée',
    'outcome.INVALID_EMAIL': 'Adresse invalide',
    'count.INVITED.one': '{n} invitée',
    'count.INVITED.other': '{n} invitées',
    'count.ALREADY_MEMBER.one': '{n} déjà membre',
    'count.ALREADY_MEMBER.other': '{n} déjà membres',
    'count.ALREADY_INVITED.one': '{n} déjà invitée',
    'count.ALREADY_INVITED.other': '{n} déjà invitées',
    'count.INVALID_EMAIL.one': '{n} adresse invalide',
    'count.INVALID_EMAIL.other': '{n} adresses invalides',
    invitedUntil: "Le lien de l'e-mail fonctionne jusqu'au {date}.",
    alreadyMember: 'Cette personne a déjà accès à ces comptes.',
    alreadyInvited: 'Une invitation est déjà en attente pour cette adresse : renvoyez-la ou modifiez-la plutôt.',
    manage: 'Voir les invitations en attente',
    again: "Inviter d'autres personnes",
  },
});

type Stage = { step: 'compose' } | { step: 'preview' } | { step: 'sent'; results: Result[] };
type Draft = Omit<Grant, 'products'> & { products: string[] | null }; // null: every product the viewer may give
type ComposeError = 'empty' | 'noAccount' | 'tooMany' | 'tooLong';

export function InvitePage() {
  const t = useT(m);
  const tc = useT(common);
  const plural = usePlural();
  const { lang } = useLanguage();
  const { org, account, canManage } = useViewer();
  const { capacity, error: optionsError } = useCapacity();
  const managed = org.accounts.filter((a) => grantableRoles(a.viewerMembership?.role).length > 0);
  const [text, setText] = useState('');
  const [accountIds, setAccountIds] = useState<string[]>(() => (managed.some((a) => a.id === account.id) ? [account.id] : []));
  const [draft, setDraft] = useState<Draft>({ role: 'AGENT', permissions: [], products: null, restrictions: { assignedContactsOnly: false, dataExportBlocked: false } });
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [language, setLanguage] = useState<string>(lang);
  const [stage, setStage] = useState<Stage>({ step: 'compose' });
  const [composeError, setComposeError] = useState<ComposeError | null>(null);
  const [invite, sending] = useMutation(InviteUsers);
  const ids = { emails: useId(), first: useId(), last: useId(), language: useId(), heading: useId() };

  // Each later step's heading takes the focus, so keyboard and
  // screen-reader users land on what changed.
  const heading = useRef<HTMLHeadingElement>(null);
  const shownStep = useRef(stage.step);
  useEffect(() => {
    if (shownStep.current !== stage.step) heading.current?.focus();
    shownStep.current = stage.step;
  }, [stage.step]);

  const cap = capacity(accountIds);
  const grant = fitGrant({ ...draft, products: draft.products ?? cap.products.map((p) => p.key) }, cap);
  const entries = useMemo(() => (text.length > MAX_TEXT ? null : parseAddresses(text)), [text]);
  const distinct = entries?.filter((e) => e.duplicateOf === null) ?? [];
  const valid = distinct.filter((e) => e.valid);
  const single = distinct.length === 1;
  const accountNames = (list: readonly string[]) =>
    org.accounts
      .filter((a) => list.includes(a.id))
      .map((a) => a.name)
      .join(', ');

  if (!canManage) {
    return (
      <section aria-labelledby={ids.heading}>
        <h1 id={ids.heading}>{t('title')}</h1>
        <p className="notice">{t('cannot')}</p>
      </section>
    );
  }

  const toPreview = (e: FormEvent) => {
    e.preventDefault();
    let err: ComposeError | null = null;
    if (entries === null) err = 'tooLong';
    else if (distinct.length === 0) err = 'empty';
    else if (distinct.length > MAX_ADDRESSES) err = 'tooMany';
    else if (accountIds.length === 0) err = 'noAccount';
    setComposeError(err);
    if (!err) {
      sending.reset();
      setStage({ step: 'preview' });
    }
  };

  const send = async () => {
    try {
      const res = await invite({
        variables: {
          input: {
            accountIds,
            emails: text,
            ...grantInput(grant),
            ...(single ? { firstName: firstName.trim() || null, lastName: lastName.trim() || null, preferredLanguage: language } : {}),
          },
        },
        update: (cache) => evictInvitations(cache, accountIds),
      });
      if (res.data) setStage({ step: 'sent', results: res.data.inviteUsers.results });
    } catch {
      // sending.error is shown on the preview
    }
  };

  const again = () => {
    setText('');
    setFirstName('');
    setLastName('');
    sending.reset();
    setStage({ step: 'compose' });
  };

  const invitationsLink = `/invitations?account=${encodeURIComponent(account.id)}`;

  if (stage.step === 'sent') {
    const counts = OUTCOMES.map((o) => ({ o, n: stage.results.filter((r) => r.outcome === o).length })).filter(({ n }) => n > 0);
    const invited = counts.find((c) => c.o === 'INVITED')?.n ?? 0;
    // Each outcome is explained in the reader's language (the API's
    // messages are English), an invalid entry by the API's own rules.
    const explain = (r: Result): string => {
      switch (r.outcome) {
        case 'INVITED':
          return r.invitation ? t('invitedUntil', { date: dateTime(lang, r.invitation.expiresAt) }) : '';
        case 'ALREADY_MEMBER':
          return t('alreadyMember');
        case 'ALREADY_INVITED':
          return t('alreadyInvited');
        case 'INVALID_EMAIL':
          return t(`reason.${invalidReason(r.email)}`);
      }
    };
    return (
      <section aria-labelledby={ids.heading} className="invite">
        <h1 id={ids.heading} tabIndex={-1} ref={heading}>
          {invited > 0 ? t('sentTitle') : t('noneSentTitle')}
        </h1>
        <p className="notice" role="status">
          {counts.map(({ o, n }) => t(`count.${o}.${plural(n)}`, { n })).join(', ')}
        </p>
        <ul className="outcomes" aria-label={t('resultsListLabel')}>
          {stage.results.map((r, i) => (
            <li key={i} className="outcome" data-outcome={r.outcome} data-email={r.email}>
              <span className="outcome-email">{r.email}</span>
              <span className={`badge outcome-${r.outcome.toLowerCase()}`}>{t(`outcome.${r.outcome}`)}</span>
              <span className="outcome-why muted small">{explain(r)}</span>
            </li>
          ))}
        </ul>
        <div className="actions form-actions">
          <Link className="button" to={invitationsLink}>
            {t('manage')}
          </Link>
          <button type="button" className="primary" onClick={again}>
            {t('again')}
          </button>
        </div>
      </section>
    );
  }

  if (stage.step === 'preview' && entries) {
    const invalid = distinct.length - valid.length;
    const duplicates = entries.length - distinct.length;
    return (
      <section aria-labelledby={ids.heading} className="invite">
        <h1 id={ids.heading} tabIndex={-1} ref={heading}>
          {t('previewTitle')}
        </h1>
        <p className="notice" role="status">
          {[
            t(`previewCount.${plural(valid.length)}`, { n: valid.length }),
            invalid > 0 && t(`previewInvalid.${plural(invalid)}`, { n: invalid }),
            duplicates > 0 && t(`previewDuplicate.${plural(duplicates)}`, { n: duplicates }),
          ]
            .filter(Boolean)
            .join(' · ')}
        </p>
        <p>
          {t('previewAs', { role: tc(`role.${grant.role}`), accounts: accountNames(accountIds) })}
          {limited(grant.role) && (
            <>
              {' '}
              {grant.products.length > 0
                ? t('previewProducts', { products: cap.products.filter((p) => grant.products.includes(p.key)).map((p) => p.name).join(', ') })
                : t('previewNoProducts')}
              {(['assignedContactsOnly', 'dataExportBlocked'] as const)
                .filter((k) => grant.restrictions[k])
                .map((k) => ` ${tc(`restriction.${k}`)}.`)}
            </>
          )}
          {grant.permissions.includes('BILLING_MANAGER') && ` ${tc('permission.BILLING_MANAGER')}.`}
        </p>
        <ol className="outcomes" aria-label={t('previewListLabel')}>
          {entries.map((e, i) => (
            <li key={i} className="outcome" data-valid={e.valid} data-duplicate={e.duplicateOf !== null}>
              <span className="outcome-email">
                {e.valid ? e.address : e.raw}
                {e.name && <span className="muted"> · {e.name}</span>}
              </span>
              {!e.valid && <span className="badge outcome-invalid_email">{t('invalid')}</span>}
              {e.duplicateOf !== null && <span className="badge">{t('duplicate')}</span>}
              {!e.valid && e.duplicateOf === null && <span className="outcome-why muted small">{t(`reason.${invalidReason(e.raw)}`)}</span>}
            </li>
          ))}
        </ol>
        {valid.length === 0 && <p className="error">{t('noneValid')}</p>}
        <ErrorText error={sending.error} />
        <div className="actions form-actions">
          <button type="button" onClick={() => setStage({ step: 'compose' })}>
            {t('back')}
          </button>
          <button type="button" className="primary" onClick={send} disabled={sending.loading || valid.length === 0}>
            {sending.loading ? t('sending') : t('send')}
          </button>
        </div>
      </section>
    );
  }

  return (
    <section aria-labelledby={ids.heading} className="invite">
      <h1 id={ids.heading} tabIndex={-1} ref={heading}>
        {t('title')}
      </h1>
      <p className="muted">{t('intro')}</p>
      <form className="card invite-form" onSubmit={toPreview} noValidate>
        <div className="field">
          <label htmlFor={ids.emails}>{t('emails')}</label>
          <textarea
            id={ids.emails}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-describedby={`${ids.emails}-hint`}
            aria-invalid={composeError === 'empty' || composeError === 'tooMany' || composeError === 'tooLong'}
            autoComplete="off"
            spellCheck={false}
            rows={6}
          />
          <p className="hint" id={`${ids.emails}-hint`}>
            {t('emailsHint')}
          </p>
        </div>
        {single && (
          <fieldset>
            <legend>{t('about')}</legend>
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
          </fieldset>
        )}
        <fieldset>
          <legend>{t('accounts')}</legend>
          {managed.map((a) => (
            <label className="check" key={a.id}>
              <input type="checkbox" checked={accountIds.includes(a.id)} onChange={(e) => setAccountIds(toggle(accountIds, a.id, e.target.checked))} />
              {a.name}
            </label>
          ))}
          <p className="hint">{t('accountsHint')}</p>
        </fieldset>
        <GrantFields value={grant} capacity={cap} onChange={setDraft} />
        <ErrorText error={optionsError} />
        {composeError && (
          <p className="error" role="alert">
            {composeError === 'tooMany' ? t('tooMany', { n: distinct.length }) : t(composeError)}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('preview')}
          </button>
        </div>
      </form>
    </section>
  );
}

// The frame of every signed-in page: a skip link, the organization and
// account, the navigation, the language, the viewer and sign out.
import { useId, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';

import { useAuth, useSignOut } from '../auth';
import { defineMessages, useT } from '../i18n';
import { useViewer } from '../viewer';
import { Avatar, LanguageSelect } from './ui';

const m = defineMessages({
  en: {
    skip: 'Skip to content',
    nav: 'Main',
    members: 'Members',
    invite: 'Invite',
    invitations: 'Invitations',
    profile: 'My profile',
    devices: 'My devices',
    audit: 'Audit log',
    account: 'Account',
    signOut: 'Sign out',
    live: 'Live',
    reconnecting: 'Reconnecting…',
  },
  fr: {
    skip: 'Aller au contenu',
    nav: 'Principale',
    members: 'Membres',
    invite: 'Inviter',
    invitations: 'Invitations',
    profile: 'Mon profil',
    devices: 'Mes appareils',
    audit: "Journal d'audit",
    account: 'Compte',
    signOut: 'Se déconnecter',
    live: 'En direct',
    reconnecting: 'Reconnexion…',
  },
});

export function Layout({ children }: { children: ReactNode }) {
  const t = useT(m);
  const { socket } = useAuth();
  const { me, org, account, canManage, isAdmin, setAccount } = useViewer();
  const { signOut, loading } = useSignOut();
  const location = useLocation();
  const accountId = useId();
  const keep = `?account=${encodeURIComponent(account.id)}`;

  // Accounts indented under their parents.
  const depth = (id: string): number => {
    let d = 0;
    let cur = org.accounts.find((a) => a.id === id);
    while (cur?.parent && d < 10) {
      d++;
      const parentId = cur.parent.id;
      cur = org.accounts.find((a) => a.id === parentId);
    }
    return d;
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t('skip')}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ●
          </span>
          <span className="org-name">{org.name}</span>
        </div>
        <div className="account-picker">
          <label htmlFor={accountId}>{t('account')}</label>
          <select id={accountId} value={account.id} onChange={(e) => setAccount(e.target.value)}>
            {org.accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {'\u00a0\u00a0'.repeat(depth(a.id))}
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="me">
          <span className={`socket socket-${socket}`} role="status" aria-live="polite">
            {socket === 'connected' ? t('live') : t('reconnecting')}
          </span>
          <LanguageSelect />
          <Avatar name={me.displayName} url={me.avatarUrl} size={32} />
          <span className="me-name">{me.displayName}</span>
          <button type="button" onClick={signOut} disabled={loading}>
            {t('signOut')}
          </button>
        </div>
      </header>
      <nav className="nav" aria-label={t('nav')}>
        <NavLink to={`/members${keep}`} end={false}>
          {t('members')}
        </NavLink>
        {canManage && <NavLink to={`/invite${keep}`}>{t('invite')}</NavLink>}
        {canManage && <NavLink to={`/invitations${keep}`}>{t('invitations')}</NavLink>}
        {isAdmin && <NavLink to={`/audit${keep}`}>{t('audit')}</NavLink>}
        <NavLink to={`/profile${keep}`}>{t('profile')}</NavLink>
        <NavLink to={`/devices${keep}`}>{t('devices')}</NavLink>
      </nav>
      <main id="main" tabIndex={-1} key={location.pathname}>
        {children}
      </main>
    </div>
  );
}

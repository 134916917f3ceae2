// Who is signed in, their organizations and the accounts they can open;
// which organization and account the console shows (?account= in the URL,
// else the last one opened, else the root account).
import { useQuery } from '@apollo/client/react';
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';

import { graphql } from './gql';
import { useSignOut } from './auth';
import { defineMessages, useT } from './i18n';
import type { ViewerQuery } from './gql/graphql';

export const ViewerDoc = graphql(`
  query Viewer {
    me {
      id
      email
      firstName
      lastName
      displayName
      avatarUrl
      preferredLanguage
      presence {
        status
        lastActiveAt
        connectedDevices
      }
      organizations {
        id
        name
        rootAccount {
          id
        }
        accounts {
          id
          name
          parent {
            id
          }
          viewerMembership {
            id
            role
            permissions
            inherited
            restrictions {
              assignedContactsOnly
              dataExportBlocked
            }
          }
        }
      }
    }
  }
`);

export type Me = NonNullable<ViewerQuery['me']>;
export type Org = Me['organizations'][number];
export type AccountSummary = Org['accounts'][number];

interface Viewer {
  me: Me;
  org: Org;
  account: AccountSummary;
  // canManage: the viewer's role here lets them invite and edit (ADMIN and
  // above, or MANAGER, who manages AGENTs); the API decides each action.
  canManage: boolean;
  isAdmin: boolean;
  setAccount(id: string): void;
}

const Ctx = createContext<Viewer | null>(null);
const LAST_ACCOUNT = 'rollcall.account';

export function ViewerProvider({ children, fallback }: { children: ReactNode; fallback: ReactNode }) {
  const { data, error } = useQuery(ViewerDoc, { fetchPolicy: 'cache-and-network' });
  const [params, setParams] = useSearchParams();
  const me = data?.me ?? null;
  const wanted = params.get('account') ?? localStorage.getItem(LAST_ACCOUNT);

  const value = useMemo<Viewer | null>(() => {
    if (!me || me.organizations.length === 0) return null;
    let org = me.organizations[0];
    let account = org.accounts.find((a) => a.id === org.rootAccount.id) ?? org.accounts[0];
    for (const o of me.organizations) {
      const a = o.accounts.find((x) => x.id === wanted);
      if (a) {
        org = o;
        account = a;
        break;
      }
    }
    if (!account) return null;
    const role = account.viewerMembership?.role;
    return {
      me,
      org,
      account,
      canManage: role === 'OWNER' || role === 'ADMIN' || role === 'MANAGER',
      isAdmin: role === 'OWNER' || role === 'ADMIN',
      setAccount: (id: string) => {
        localStorage.setItem(LAST_ACCOUNT, id);
        const next = new URLSearchParams(params);
        next.set('account', id);
        setParams(next);
      },
    };
  }, [me, wanted, params, setParams]);

  useEffect(() => {
    if (value) localStorage.setItem(LAST_ACCOUNT, value.account.id);
  }, [value]);


  if (!value) return <>{error && !me ? fallback : me ? <NoOrganization /> : fallback}</>;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

const m = defineMessages({
  en: {
    none: 'You are not part of any organization: ask an administrator for an invitation.',
    signOut: 'Sign out',
  },
  fr: {
    none: "Vous ne faites partie d'aucune organisation : demandez une invitation à un administrateur.",
    signOut: 'Se déconnecter',
  },
});

// NoOrganization: a person removed from every organization keeps their
// identity but has nothing to show here.
function NoOrganization() {
  const t = useT(m);
  const { signOut, loading } = useSignOut();
  return (
    <main className="auth-page" id="main">
      <div className="card auth-card">
        <p role="status">{t('none')}</p>
        <button type="button" onClick={signOut} disabled={loading}>
          {t('signOut')}
        </button>
      </div>
    </main>
  );
}

export function useViewer(): Viewer {
  const v = useContext(Ctx);
  if (!v) throw new Error('useViewer outside ViewerProvider');
  return v;
}

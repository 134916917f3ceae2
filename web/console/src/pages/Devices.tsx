// My devices: every signed-in session of mine, live (sessionsChanged):
// connected now or when last used; sign out one, or all but this one.
import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useState } from 'react';

import { Confirm, ErrorText } from '../components/ui';
import { graphql } from '../gql';
import { dateTime, defineMessages, relativeTime, useLanguage, useT } from '../i18n';
import { common } from '../i18n/common';
import { fetchFresh, journalOf } from '../live';

const Sessions = graphql(`
  query MySessions {
    me {
      id
      sessions {
        id
        deviceName
        userAgent
        ipAddress
        createdAt
        lastSeenAt
        current
        connected
      }
    }
  }
`);

const SessionsChanged = graphql(`
  subscription SessionsChanged {
    sessionsChanged {
      kind
      at
      session {
        id
        connected
        lastSeenAt
      }
    }
  }
`);

const SessionState = graphql(`
  fragment SessionState on Session {
    connected
    lastSeenAt
  }
`);

const SignOutSession = graphql(`
  mutation SignOutSession($id: ID!) {
    signOutSession(id: $id) {
      id
    }
  }
`);

const SignOutOthers = graphql(`
  mutation SignOutOtherSessions {
    signOutOtherSessions
  }
`);

const m = defineMessages({
  en: {
    title: 'My devices',
    intro: 'The devices signed in to your account. Sign out of any you do not recognise.',
    thisDevice: 'This device',
    connected: 'Connected now',
    lastUsed: 'Last used {when}',
    signedIn: 'Signed in {when}',
    ip: 'IP address {ip}',
    signOut: 'Sign out',
    signOutOthers: 'Sign out of all other devices',
    confirmOne: 'Sign out of {device}?',
    confirmOneBody: 'That device will need the password to sign in again. Anything open there closes now.',
    confirmOthers: 'Sign out of every other device?',
    confirmOthersBody: 'Every device but this one will need the password to sign in again.',
    signedOutOthers: '{n} devices signed out.',
    listLabel: 'Signed-in devices',
  },
  fr: {
    title: 'Mes appareils',
    intro: 'Les appareils connectés à votre compte. Déconnectez ceux que vous ne reconnaissez pas.',
    thisDevice: 'Cet appareil',
    connected: 'Connecté en ce moment',
    lastUsed: 'Dernière utilisation {when}',
    signedIn: 'Connecté {when}',
    ip: 'Adresse IP {ip}',
    signOut: 'Déconnecter',
    signOutOthers: 'Déconnecter tous les autres appareils',
    confirmOne: 'Déconnecter {device} ?',
    confirmOneBody: 'Cet appareil devra saisir le mot de passe pour se reconnecter. Ce qui y est ouvert se ferme maintenant.',
    confirmOthers: 'Déconnecter tous les autres appareils ?',
    confirmOthersBody: 'Tous les appareils sauf celui-ci devront saisir le mot de passe pour se reconnecter.',
    signedOutOthers: '{n} appareils déconnectés.',
    listLabel: 'Appareils connectés',
  },
});

export function DevicesPage() {
  const t = useT(m);
  const tc = useT(common);
  const { lang } = useLanguage();
  const client = useApolloClient();
  const { data, error } = useQuery(Sessions);
  const refetch = () => fetchFresh(client, Sessions);
  // A device signing in or out changes the list, so does an event about a
  // session the list does not hold yet; connecting and disconnecting change
  // the session, kept in the journal so that an older read of the list
  // cannot undo it.
  useSubscription(SessionsChanged, {
    onData: ({ data: ev }) => {
      const e = ev.data?.sessionsChanged;
      if (!e) return;
      const id = client.cache.identify({ __typename: 'Session', id: e.session.id });
      const state = { connected: e.session.connected, lastSeenAt: e.session.lastSeenAt };
      journalOf(client).record(`${id}.state`, () => client.cache.writeFragment({ id, fragment: SessionState, data: state }));
      const listed = (data?.me?.sessions ?? []).some((s) => s.id === e.session.id);
      if (e.kind === 'SIGNED_IN' || e.kind === 'SIGNED_OUT' || !listed) void refetch();
    },
  });
  const [signOutOne, one] = useMutation(SignOutSession);
  const [signOutOthers, others] = useMutation(SignOutOthers);
  const [confirming, setConfirming] = useState<{ id: string; name: string } | 'others' | null>(null);

  const sessions = data?.me?.sessions ?? [];
  const doConfirm = async () => {
    const c = confirming;
    try {
      if (c === 'others') await signOutOthers();
      else if (c) await signOutOne({ variables: { id: c.id } });
      await refetch();
    } catch {
      // shown below
    }
    setConfirming(null);
  };

  return (
    <section aria-labelledby="devices-title">
      <div className="page-head">
        <h1 id="devices-title">{t('title')}</h1>
        <div className="actions">
          {sessions.length > 1 && (
            <button type="button" className="danger" onClick={() => setConfirming('others')}>
              {t('signOutOthers')}
            </button>
          )}
        </div>
      </div>
      <p className="muted">{t('intro')}</p>
      <ErrorText error={error ?? one.error ?? others.error} />
      {others.data && (
        <p className="notice" role="status">
          {t('signedOutOthers', { n: others.data.signOutOtherSessions })}
        </p>
      )}
      <ul className="devices" aria-label={t('listLabel')}>
        {sessions.map((s) => (
          <li key={s.id} className="device" data-current={s.current} data-connected={s.connected}>
            <span className={`dot dot-${s.connected ? 'online' : 'offline'}`} aria-hidden="true" />
            <div className="device-main">
              <div className="device-name">
                {s.deviceName}
                {s.current && <span className="badge current">{t('thisDevice')}</span>}
              </div>
              <div className="muted small">
                {s.connected ? (
                  <span className="connected">{t('connected')}</span>
                ) : (
                  <time dateTime={s.lastSeenAt} title={dateTime(lang, s.lastSeenAt)}>
                    {t('lastUsed', { when: relativeTime(lang, s.lastSeenAt) })}
                  </time>
                )}
                {' · '}
                <time dateTime={s.createdAt} title={dateTime(lang, s.createdAt)}>
                  {t('signedIn', { when: relativeTime(lang, s.createdAt) })}
                </time>
                {s.ipAddress && <> · {t('ip', { ip: s.ipAddress })}</>}
              </div>
            </div>
            {!s.current && (
              <button type="button" onClick={() => setConfirming({ id: s.id, name: s.deviceName })} aria-label={`${t('signOut')}: ${s.deviceName}`}>
                {t('signOut')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <Confirm
        open={confirming !== null}
        title={confirming === 'others' ? t('confirmOthers') : t('confirmOne', { device: typeof confirming === 'object' && confirming ? confirming.name : '' })}
        confirmLabel={confirming === 'others' ? t('signOutOthers') : t('signOut')}
        danger
        busy={one.loading || others.loading}
        onConfirm={doConfirm}
        onCancel={() => setConfirming(null)}
      >
        <p>{confirming === 'others' ? t('confirmOthersBody') : t('confirmOneBody')}</p>
      </Confirm>
      {sessions.length === 0 && !data && <p role="status">{tc('loading')}</p>}
    </section>
  );
}

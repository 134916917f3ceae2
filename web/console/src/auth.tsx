// The console's session: the bearer token, the Apollo Client made for it,
// and what happens when the session ends (here or on another device).
import { ApolloProvider, useMutation } from '@apollo/client/react';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import { makeClient } from './client';
import { graphql } from './gql';
import { loadToken, storeToken } from './session';

export type SocketState = 'connecting' | 'connected' | 'closed';

interface Auth {
  token: string | null;
  // signIn keeps the token of a new session (sign-in, sign-up, accepted
  // invitation, password reset) and starts a client for it.
  signIn(token: string): void;
  // forget drops the token locally (after signOut, or when it stopped working).
  forget(reason?: string): void;
  // Why the last session ended, when it ended by itself (shown on sign-in).
  endedReason: string | null;
  socket: SocketState;
}

const Ctx = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(loadToken);
  const [endedReason, setEndedReason] = useState<string | null>(null);
  const [socket, setSocket] = useState<SocketState>('closed');
  // The token of the session now, ahead of the render that uses it.
  const current = useRef<string | null>(token);

  const forget = useCallback((reason?: string) => {
    current.current = null;
    storeToken(null);
    setToken(null);
    setEndedReason(reason ?? null);
  }, []);

  const client = useMemo(
    () =>
      makeClient(token, {
        // Only while this client's token is still the session's: a client
        // being replaced (an accepted invitation or a password reset hands
        // this device a new token and ends the old one) must not sign out
        // the new session when its old socket is closed.
        onSignedOut: (r) => {
          if (current.current === token) forget(r);
        },
        onSocket: (state) => {
          if (current.current === token) setSocket(state);
        },
      }),
    [token, forget],
  );
  useEffect(() => () => client.dispose(), [client]);

  // Another tab of this browser signed in or out.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === 'rollcall.token') {
        current.current = e.newValue;
        setToken(e.newValue);
      }
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const signIn = useCallback((t: string) => {
    current.current = t;
    storeToken(t);
    setEndedReason(null);
    setToken(t);
  }, []);

  const value = useMemo(() => ({ token, signIn, forget, endedReason, socket }), [token, signIn, forget, endedReason, socket]);
  return (
    <Ctx.Provider value={value}>
      <ApolloProvider client={client.apollo}>{children}</ApolloProvider>
    </Ctx.Provider>
  );
}

export function useAuth(): Auth {
  const a = useContext(Ctx);
  if (!a) throw new Error('useAuth outside AuthProvider');
  return a;
}

const SignOut = graphql(`
  mutation SignOut {
    signOut
  }
`);

// useSignOut ends this device's session on the server, then forgets it
// here (also when the server cannot be reached: the person asked to leave).
export function useSignOut(): { signOut(): Promise<void>; loading: boolean } {
  const { forget } = useAuth();
  const [run, { loading }] = useMutation(SignOut);
  const signOut = useCallback(async () => {
    try {
      await run();
    } catch {
      // signed out locally either way
    } finally {
      forget();
    }
  }, [run, forget]);
  return { signOut, loading };
}

// One Apollo Client per signed-in session: queries and mutations over HTTP
// (POST /query with the bearer token), subscriptions and the device's
// activity reports over one graphql-ws socket. The socket stays open while
// the console is open: an open, authenticated socket is what makes this
// device "connected" and its person ONLINE in everyone's directory.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';

import { attachJournal, Journal, journalLink, refreshActive } from './live';

// Close codes after which reconnecting cannot help: the session is gone
// (4403: refused or signed out) or the socket was refused for its token.
const SIGNED_OUT_CLOSE = 4403;

// Operations that must travel on the websocket: a device's ACTIVE/IDLE
// report is about the socket it arrives on.
const OVER_SOCKET = new Set(['ReportActivity']);

export interface SessionClient {
  apollo: ApolloClient;
  ws: WsClient | null;
  dispose(): void;
}

export interface ClientEvents {
  // The session behind the token ended (signed out here or elsewhere,
  // password reset, removed): the console returns to sign-in.
  onSignedOut(reason: string): void;
  // The socket's state, for the connection indicator.
  onSocket(state: 'connecting' | 'connected' | 'closed'): void;
}

// sha256 of a document's text, in lowercase hex, as persisted queries
// name it (the ids of the console's manifest are the same hashes).
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

// Persisted queries: each operation is sent by its hash alone, and by its
// text too only when the node does not know it yet (a node knows every
// operation of the console: its build's manifest is embedded beside it).
// crypto.subtle exists only in secure contexts (https, localhost); without
// it the texts are sent, which a node accepts in every mode.
function persisted(): ApolloLink | null {
  return globalThis.crypto?.subtle ? new PersistedQueryLink({ sha256 }) : null;
}

function apiURL(path: string): string {
  return new URL(path, window.location.origin).toString();
}

function wsURL(): string {
  const u = new URL('/query', window.location.origin);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

export function makeClient(token: string | null, events: ClientEvents): SessionClient {
  const http = new HttpLink({
    uri: apiURL('/query'),
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  let ws: WsClient | null = null;
  let link: ApolloLink = http;
  // Set below, before the socket can report anything.
  let apollo: ApolloClient | null = null;
  if (token) {
    let signedOut = false;
    ws = createClient({
      url: wsURL(),
      lazy: false,
      connectionParams: { authToken: token },
      retryAttempts: Number.POSITIVE_INFINITY,
      // Reconnect after anything but the server saying the session is gone.
      shouldRetry: (e) => !(e instanceof CloseEvent && e.code === SIGNED_OUT_CLOSE),
      // The socket is eager, so graphql-ws reports its terminal close to
      // onNonLazyError (console.error by default). The server ending the
      // session is expected and handled by `closed` below; anything else
      // still shows.
      onNonLazyError: (e) => {
        if (!(e instanceof CloseEvent && e.code === SIGNED_OUT_CLOSE)) console.error(e);
      },
      on: {
        connecting: () => events.onSocket('connecting'),
        connected: () => {
          events.onSocket('connected');
          // Events published before this socket's subscriptions existed
          // (its own connection, anything while it was down) never come:
          // what the pages show is read again.
          if (apollo) refreshActive(apollo);
        },
        closed: (e) => {
          events.onSocket('closed');
          const ev = e as CloseEvent;
          if (ev && ev.code === SIGNED_OUT_CLOSE && !signedOut) {
            signedOut = true;
            events.onSignedOut(ev.reason || 'signed out');
          }
        },
      },
    });
    const socket = new GraphQLWsLink(ws);
    link = ApolloLink.split(
      ({ query, operationName }) => {
        const def = getMainDefinition(query);
        return (
          (def.kind === Kind.OPERATION_DEFINITION && def.operation === OperationTypeNode.SUBSCRIPTION) ||
          OVER_SOCKET.has(operationName ?? '')
        );
      },
      socket,
      http,
    );
    // A query refused as UNAUTHENTICATED means the token no longer works
    // (mutations answer UNAUTHENTICATED for a wrong current password too).
    const onError = new ErrorLink(({ error, operation }) => {
      const def = getMainDefinition(operation.query);
      if (def.kind !== Kind.OPERATION_DEFINITION || def.operation !== OperationTypeNode.QUERY) return;
      if (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
        if (!signedOut) {
          signedOut = true;
          events.onSignedOut('UNAUTHENTICATED');
        }
      }
    });
    link = ApolloLink.from([onError, link]);
  }
  const pq = persisted();
  if (pq) link = ApolloLink.from([pq, link]);
  const journal = new Journal();
  link = ApolloLink.from([journalLink(journal), link]);
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        // Presence has no id: it is a value of its person, replaced whole.
        User: { fields: { presence: { merge: false } } },
        // Endless lists: the pages of one list (same filter and order)
        // are one list in the cache; totalCount comes with the first page.
        Account: {
          fields: {
            members: relayStylePagination(['filter', 'orderBy']),
            invitations: relayStylePagination(['status', 'search']),
          },
        },
        Organization: { fields: { auditLog: relayStylePagination(['filter']) } },
      },
    }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
  attachJournal(client, journal);
  apollo = client;
  return {
    apollo: client,
    ws,
    dispose() {
      void ws?.dispose();
      client.stop();
    },
  };
}

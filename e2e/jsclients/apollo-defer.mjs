// Runs a query with @defer through the real Apollo Client 4 (the 2022-08-24
// incremental handler, no React) against the /query URL given as argv[2],
// with ROLLCALL_TOKEN as the bearer token: once over HttpLink, once over
// GraphQLWsLink (graphql-ws). Prints one JSON line: the client's version,
// the Accept header HttpLink sent, the Content-Type it got, and, per link,
// every result the watched query emitted, in order.
// e2e/apollo_defer_test.go asserts on it.

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, versionOf } from './lib.mjs';

const url = process.argv[2];
const token = process.env.ROLLCALL_TOKEN;
if (!url || !token) {
  process.stderr.write(`usage: ROLLCALL_TOKEN=… node ${process.argv[1]} http://HOST/query\n`);
  process.exit(2);
}

const out = { client: '@apollo/client', version: versionOf('@apollo/client'), accept: null, contentType: null };

function fail(reason) {
  process.stderr.write(JSON.stringify({ reason, out }) + '\n');
  process.exit(1);
}
setTimeout(() => fail('not done within 25s'), 25000).unref();

async function recordingFetch(input, init) {
  out.accept = new Headers(init?.headers).get('accept');
  const res = await fetch(input, init);
  out.contentType = res.headers.get('content-type');
  return res;
}

const query = gql`
  query MeWithDevices {
    me {
      id
      email
      ... @defer {
        sessions {
          id
          deviceName
        }
      }
    }
  }
`;

// watch runs the query on a client over link and resolves with every
// result it emitted, up to the complete one.
function watch(link) {
  const client = new ApolloClient({ link, cache: new InMemoryCache(), incrementalHandler: new Defer20220824Handler() });
  const results = [];
  return new Promise((resolve) => {
    const sub = client.watchQuery({ query, fetchPolicy: 'network-only' }).subscribe({
      next(r) {
        results.push({
          dataState: r.dataState,
          loading: r.loading,
          networkStatus: r.networkStatus,
          data: r.data ?? null,
          error: r.error ? describe(r.error) : null,
        });
        if (r.dataState === 'complete' || r.error) {
          sub.unsubscribe();
          client.stop();
          resolve(results);
        }
      },
      error(err) {
        results.push({ error: describe(err) });
        resolve(results);
      },
    });
  });
}

out.http = await watch(new HttpLink({ uri: url, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }));

const ws = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { authToken: token },
  retryAttempts: 0,
});
out.websocket = await watch(new GraphQLWsLink(ws));
await ws.dispose();

// Exit once written: fetch's keep-alive socket would hold the process for
// seconds.
process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));

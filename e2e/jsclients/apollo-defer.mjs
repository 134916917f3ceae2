// Runs a query with @defer through the real Apollo Client 4 (HttpLink, the
// 2022-08-24 incremental handler, no React) against the /query URL given as
// argv[2], with ROLLCALL_TOKEN as the bearer token. Prints one JSON line:
// the client's version, the Accept header it sent, the Content-Type it got,
// and every result the watched query emitted, in order.
// e2e/apollo_defer_test.go asserts on it.

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { describe, versionOf } from './lib.mjs';

const url = process.argv[2];
const token = process.env.ROLLCALL_TOKEN;
if (!url || !token) {
  process.stderr.write(`usage: ROLLCALL_TOKEN=… node ${process.argv[1]} http://HOST/query\n`);
  process.exit(2);
}

const seen = { accept: null, contentType: null };
async function recordingFetch(input, init) {
  seen.accept = new Headers(init?.headers).get('accept');
  const res = await fetch(input, init);
  seen.contentType = res.headers.get('content-type');
  return res;
}

const client = new ApolloClient({
  link: new HttpLink({ uri: url, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
  cache: new InMemoryCache(),
  incrementalHandler: new Defer20220824Handler(),
});

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

const results = [];
const timer = setTimeout(() => fail('no complete result within 20s'), 20000);

function fail(reason) {
  process.stderr.write(JSON.stringify({ reason, seen, results }) + '\n');
  process.exit(1);
}

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
      clearTimeout(timer);
      sub.unsubscribe();
      client.stop();
      // Exit once written: fetch's keep-alive socket would hold the
      // process for seconds.
      process.stdout.write(
        JSON.stringify({ client: '@apollo/client', version: versionOf('@apollo/client'), ...seen, results }) + '\n',
        () => process.exit(0),
      );
    }
  },
  error(err) {
    fail(`watchQuery failed: ${JSON.stringify(describe(err))}`);
  },
});

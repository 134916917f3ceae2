// Automatic persisted queries with the real Apollo Client 4: an HttpLink
// behind createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).
// Every HTTP exchange is recorded (method, whether the text and the hash
// were sent, status, error code, Cache-Control), so the Go test
// (e2e/persisted_apollo_test.go) can assert the sequence: a first query
// misses by GET and registers by POST, the next is served by GET from its
// hash alone.
//
// usage: ROLLCALL_OWNER_TOKEN=… node apollo-persisted-queries.mjs http://HOST/query

import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { run, versionOf, withTimeout } from './lib.mjs';

const url = process.argv[2];
const token = process.env.ROLLCALL_OWNER_TOKEN;
if (!url || !token) {
  process.stderr.write('usage: ROLLCALL_OWNER_TOKEN=… node apollo-persisted-queries.mjs http://HOST/query\n');
  process.exit(2);
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// recordingFetch logs each request Apollo's HttpLink makes.
function recordingFetch(log) {
  return async (input, init = {}) => {
    const u = new URL(String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    let sent = {};
    if (method === 'GET') {
      sent = {
        query: u.searchParams.get('query'),
        extensions: JSON.parse(u.searchParams.get('extensions') ?? 'null'),
      };
    } else {
      sent = JSON.parse(String(init.body));
    }
    const res = await fetch(input, init);
    const text = await res.clone().text();
    let code = null;
    try {
      code = JSON.parse(text).errors?.[0]?.extensions?.code ?? null;
    } catch {
      code = '<not JSON>';
    }
    log.push({
      method,
      hasQuery: typeof sent.query === 'string' && sent.query.length > 0,
      hash: sent.extensions?.persistedQuery?.sha256Hash ?? null,
      status: res.status,
      code,
      cacheControl: res.headers.get('cache-control'),
    });
    return res;
  };
}

function client(log, headers = {}) {
  return new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.from([
      createPersistedQueryLink({ sha256, useGETForHashedQueries: true }),
      new HttpLink({ uri: url, fetch: recordingFetch(log), headers }),
    ]),
  });
}

const CATALOGUE = gql`
  query Catalogue {
    products {
      key
      name
    }
  }
`;

const ME = gql`
  query Me {
    me {
      email
    }
  }
`;

await run(async (result, step) => {
  result.client = '@apollo/client';
  result.version = versionOf('@apollo/client');

  step('first query: miss, then register');
  result.first = { requests: [] };
  const a = client(result.first.requests);
  const first = await withTimeout(a.query({ query: CATALOGUE, fetchPolicy: 'network-only' }), 5000, 'first query');
  result.first.products = first.data?.products?.length ?? null;
  result.first.error = first.error ? String(first.error) : null;

  step('second query, another client: served by its hash over GET');
  result.second = { requests: [] };
  const b = client(result.second.requests);
  const second = await withTimeout(b.query({ query: CATALOGUE, fetchPolicy: 'network-only' }), 5000, 'second query');
  result.second.products = second.data?.products?.length ?? null;
  result.second.error = second.error ? String(second.error) : null;

  step('a signed-in query, twice');
  result.me = { requests: [] };
  const c = client(result.me.requests, { Authorization: `Bearer ${token}` });
  await withTimeout(c.query({ query: ME, fetchPolicy: 'network-only' }), 5000, 'me (register)');
  const me = await withTimeout(c.query({ query: ME, fetchPolicy: 'network-only' }), 5000, 'me (by hash)');
  result.me.email = me.data?.me?.email ?? null;
});

// The GraphiQL page Rollcall serves at /graphiql. It is bundled by build.mjs
// into dist/graphiql.js and loaded by dist/index.html as an external script:
// the page's Content-Security-Policy allows no inline script and no eval.
//
// The token field: its value is sent as "Authorization: Bearer <token>" on
// every HTTP request to /query, and as {"Authorization": "Bearer <token>"}
// in the connection_init payload of the graphql-transport-ws socket a
// subscription opens. Headers typed into GraphiQL's headers editor are sent
// the same way and win over the field. The token is kept in sessionStorage:
// it survives a reload of the tab and goes when the tab is closed.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { setNonce } from 'get-nonce';

import '@graphiql/react/dist/style.css';
import 'graphiql/src/style.css';
import './page.css';

const TOKEN_KEY = 'rollcall.graphiql.token';

// The page's Content-Security-Policy admits <style> elements only with the
// nonce of this response (no 'unsafe-inline'). GraphiQL's dialogs insert
// one (react-remove-scroll, through react-style-singleton, which takes its
// nonce from get-nonce).
const nonce = document.querySelector('meta[name="csp-nonce"]')?.content;
if (nonce) {
  setNonce(nonce);
}

// /query beside the page, whatever prefix a proxy serves both under.
const httpURL = new URL('query', window.location.href);
httpURL.search = '';
httpURL.hash = '';
const wsURL = new URL(httpURL.href);
wsURL.protocol = httpURL.protocol === 'https:' ? 'wss:' : 'ws:';

const DEFAULT_QUERY = `# Rollcall's GraphQL API.
#
# Paste a session token (the "token" of signUp or signIn) into the field
# above: it is sent as "Authorization: Bearer <token>" over HTTP and in the
# websocket's connection_init, so queries, mutations and subscriptions
# (graphql-transport-ws) all run as you. Ctrl-Enter runs the operation under
# the cursor; the book icon on the left opens the schema's documentation.

query Me {
  me {
    email
    displayName
  }
}

subscription MySessions {
  sessionsChanged {
    kind
    at
    session {
      deviceName
      connected
    }
  }
}
`;

const tokenInput = document.getElementById('rc-token');
const tokenState = document.getElementById('rc-token-state');
const clearButton = document.getElementById('rc-token-clear');

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the token lives in the field only
  }
}

// The token as typed, without a "Bearer " the user may have pasted with it.
function currentToken() {
  return tokenInput.value.trim().replace(/^bearer\s+/i, '');
}

function showTokenState() {
  tokenState.textContent = currentToken()
    ? 'sent as Authorization: Bearer … (HTTP and websocket)'
    : 'no token: operations run signed out';
}

const saved = storage()?.getItem(TOKEN_KEY);
if (saved) {
  tokenInput.value = saved;
}
tokenInput.addEventListener('input', () => {
  const token = currentToken();
  if (token) {
    storage()?.setItem(TOKEN_KEY, token);
  } else {
    storage()?.removeItem(TOKEN_KEY);
  }
  showTokenState();
});
// Enter in the field submits nothing (the policy has form-action 'none').
document.getElementById('rc-token-form').addEventListener('submit', (e) => e.preventDefault());
clearButton.addEventListener('click', () => {
  tokenInput.value = '';
  storage()?.removeItem(TOKEN_KEY);
  showTokenState();
  tokenInput.focus();
});
showTokenState();

// Queries and mutations go over HTTP; subscriptions open a graphql-ws
// client (graphql-transport-ws) whose connection_init payload carries the
// same headers, which Rollcall reads the bearer token from.
const base = createGraphiQLFetcher({
  url: httpURL.href,
  subscriptionUrl: wsURL.href,
});

function fetcher(params, opts) {
  const token = currentToken();
  const headers = {
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...(opts?.headers ?? {}),
  };
  return base(params, { ...opts, headers });
}

createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    shouldPersistHeaders: false,
  }),
);

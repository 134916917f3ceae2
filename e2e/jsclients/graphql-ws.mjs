// Drives Rollcall's websocket endpoint with the real `graphql-ws` client
// (graphql-transport-ws subprotocol).
//
//   ROLLCALL_OWNER_TOKEN=… ROLLCALL_MEMBER_TOKEN=… ROLLCALL_ACCOUNT_ID=… \
//     node graphql-ws.mjs ws://127.0.0.1:8080/query
//
// The owner watches presenceChanged(ACCOUNT_ID); the member (another person
// of that account) connects and leaves with a second client. Prints one JSON
// line (see e2e/jsclients_test.go for what is asserted).

import { createClient } from 'graphql-ws';
import {
  PRESENCE_SUBSCRIPTION,
  Recorder,
  SET_PRESENCE,
  config,
  describe,
  flatEvent,
  recordingWebSocket,
  run,
  sleep,
  versionOf,
  withTimeout,
} from './lib.mjs';

const cfg = config(['ROLLCALL_OWNER_TOKEN', 'ROLLCALL_MEMBER_TOKEN', 'ROLLCALL_ACCOUNT_ID']);

// once runs a single-result operation and resolves with its last result;
// it rejects with what the client's sink.error got (an array of GraphQL
// errors for an `error` message, a CloseEvent when the socket closed).
function once(client, payload, what) {
  return withTimeout(
    new Promise((resolve, reject) => {
      let last = null;
      client.subscribe(payload, {
        next: (v) => {
          last = v;
        },
        error: reject,
        complete: () => resolve(last),
      });
    }),
    5000,
    what,
  );
}

run(async (result, step) => {
  result.client = 'graphql-ws';
  result.version = versionOf('graphql-ws');
  result.sockets = [];
  const WS = recordingWebSocket(result.sockets);

  step('owner connects and queries me');
  const ownerClosed = new Recorder('owner closed');
  const pongs = new Recorder('owner pongs');
  const owner = createClient({
    url: cfg.url,
    webSocketImpl: WS,
    connectionParams: { authToken: cfg.ROLLCALL_OWNER_TOKEN },
    lazy: false,
    retryAttempts: 0,
    keepAlive: 150, // the client pings every 150 ms and expects pongs
    onNonLazyError: (err) => {
      result.ownerNonLazyError = describe(err);
    },
    on: {
      connected: (_socket, payload) => {
        result.ownerAckPayload = payload ?? null;
      },
      pong: (received, payload) => {
        if (received) {
          pongs.push(payload ?? null);
        }
      },
      closed: (e) => ownerClosed.push(describe(e)),
    },
  });
  result.query = await once(owner, { query: '{ me { email } }' }, 'owner query');
  const ownerEmail = result.query?.data?.me?.email;
  if (!ownerEmail) {
    throw new Error(`me query gave no email: ${JSON.stringify(result.query)}`);
  }

  step('owner subscribes to presenceChanged');
  const events = new Recorder('presenceChanged');
  let stopping = false; // the client completes the sink itself when we stop
  const stopWatching = owner.subscribe(
    { query: PRESENCE_SUBSCRIPTION, variables: { a: cfg.ROLLCALL_ACCOUNT_ID } },
    {
      next: (v) => events.push(flatEvent(v)),
      error: (err) => events.fail(err),
      complete: () => {
        if (stopping) {
          return;
        }
        result.presenceCompletedEarly = true;
        events.fail(new Error('presenceChanged completed'));
      },
    },
  );
  const setPresence = (a) => once(owner, { query: SET_PRESENCE, variables: { a } }, `setPresence ${a}`);
  const lastOwnerEvent = () => events.items.filter((e) => e.email === ownerEmail).at(-1);

  // A subscribe is set up asynchronously on the server: toggle the owner's
  // own presence until one of their events arrives, as the Go tests do.
  step('wait for the subscription to deliver');
  for (let i = 0; !lastOwnerEvent(); i++) {
    if (i >= 50) {
      throw new Error(`no presence event after ${i} toggles; seen ${JSON.stringify(events.items)}`);
    }
    await setPresence(i % 2 === 0 ? 'AWAY' : 'ACTIVE');
    await events.until((e) => e.email === ownerEmail, 'an owner event', { timeoutMs: 100 }).catch(() => {});
  }
  await setPresence('ACTIVE');
  await events.until(() => lastOwnerEvent()?.status === 'ONLINE', 'the owner ONLINE again');

  step('setPresence AWAY over the socket');
  let mark = events.items.length;
  result.mutation = await setPresence('AWAY');
  result.ownerAwayEvent = await events.until((e) => e.email === ownerEmail, 'the owner AWAY event', { from: mark });
  await setPresence('ACTIVE');
  await events.until(() => lastOwnerEvent()?.status === 'ONLINE', 'the owner ONLINE after AWAY');

  step('member connects');
  mark = events.items.length;
  const memberClosed = new Recorder('member closed');
  const member = createClient({
    url: cfg.url,
    webSocketImpl: WS,
    connectionParams: { authToken: cfg.ROLLCALL_MEMBER_TOKEN },
    lazy: false, // the socket stays open until dispose: a connected device
    retryAttempts: 0,
    onNonLazyError: (err) => {
      result.memberNonLazyError = describe(err);
    },
    on: { closed: (e) => memberClosed.push(describe(e)) },
  });
  result.memberQuery = await once(member, { query: '{ me { email } }' }, 'member query');
  const memberEmail = result.memberQuery?.data?.me?.email;
  if (!memberEmail || memberEmail === ownerEmail) {
    throw new Error(`member me query: ${JSON.stringify(result.memberQuery)}`);
  }
  await events.until((e) => e.email === memberEmail, 'a member event', { from: mark });

  step('member leaves');
  await member.dispose();
  result.memberClose = await memberClosed.until(() => true, 'the member socket close');
  await events.until((e) => e.email === memberEmail && e.status === 'OFFLINE', 'the member OFFLINE event', {
    from: mark,
  });
  result.memberEvents = events.items.slice(mark).filter((e) => e.email === memberEmail);

  step('errors keep the socket open');
  result.validationError = await once(owner, { query: '{ nope }' }, 'invalid query').then(
    (v) => ({ unexpectedResult: v }),
    describe,
  );
  result.resolverError = await once(
    owner,
    { query: PRESENCE_SUBSCRIPTION, variables: { a: 'not-an-account-id' } },
    'presenceChanged of a bogus account',
  ).then((v) => ({ result: v }), (err) => ({ rejected: describe(err) }));
  result.queryAfterErrors = await once(owner, { query: '{ me { email } }' }, 'owner query after errors');

  step('keepAlive pings are answered');
  await pongs.until(() => true, 'a pong');
  result.pongs = pongs.items.length;

  step('a bad token is refused');
  const badClosed = new Recorder('bad-token closed');
  const bad = createClient({
    url: cfg.url,
    webSocketImpl: WS,
    connectionParams: { authToken: 'not-a-valid-token' },
    retryAttempts: 0,
    on: { closed: (e) => badClosed.push(describe(e)) },
  });
  result.badToken = {
    subscribe: await once(bad, { query: '{ me { email } }' }, 'query with a bad token').then(
      (v) => ({ unexpectedResult: v }),
      describe,
    ),
    closed: await badClosed.until(() => true, 'the bad-token close'),
  };
  await bad.dispose();

  step('owner leaves');
  stopping = true;
  stopWatching();
  await sleep(50); // the client's complete reaches the server before the close
  await owner.dispose();
  result.ownerClose = await ownerClosed.until(() => true, 'the owner socket close');
  result.events = events.items;
});

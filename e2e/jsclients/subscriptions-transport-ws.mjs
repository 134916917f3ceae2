// Drives Rollcall's websocket endpoint with the real, legacy
// `subscriptions-transport-ws` SubscriptionClient (graphql-ws subprotocol),
// with `ws` as its WebSocket implementation.
//
//   ROLLCALL_OWNER_TOKEN=… ROLLCALL_MEMBER_TOKEN=… ROLLCALL_ACCOUNT_ID=… \
//     node subscriptions-transport-ws.mjs ws://127.0.0.1:8080/query
//
// Same story as graphql-ws.mjs: the owner watches presenceChanged, the
// member connects and leaves with a second client. Prints one JSON line.

import stws from 'subscriptions-transport-ws';
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

const { SubscriptionClient } = stws;
const cfg = config(['ROLLCALL_OWNER_TOKEN', 'ROLLCALL_MEMBER_TOKEN', 'ROLLCALL_ACCOUNT_ID']);

// connect opens a SubscriptionClient and records what connectionCallback
// reports: null on connection_ack, the payload of connection_error.
function connect(token, WS, result, name) {
  const acks = new Recorder(`${name} connection`);
  const client = new SubscriptionClient(
    cfg.url,
    {
      connectionParams: { authToken: token },
      reconnect: false,
      lazy: false,
      connectionCallback: (err) => acks.push(err ? describe(err) : null),
    },
    WS,
  );
  client.onError((err) => {
    (result.clientErrors ??= []).push({ client: name, error: describe(err) });
  });
  return { client, acks };
}

// once runs a single-result operation and resolves with its last result; it
// rejects with the first GraphQL error the client reports.
function once(client, payload, what) {
  return withTimeout(
    new Promise((resolve, reject) => {
      let last = null;
      client.request(payload).subscribe({
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
  result.client = 'subscriptions-transport-ws';
  result.version = versionOf('subscriptions-transport-ws');
  result.sockets = [];
  const WS = recordingWebSocket(result.sockets);

  step('owner connects and queries me');
  const { client: owner, acks: ownerAcks } = connect(cfg.ROLLCALL_OWNER_TOKEN, WS, result, 'owner');
  result.ownerConnection = await ownerAcks.until(() => true, 'connection_ack or connection_error');
  result.query = await once(owner, { query: '{ me { email } }' }, 'owner query');
  const ownerEmail = result.query?.data?.me?.email;
  if (!ownerEmail) {
    throw new Error(`me query gave no email: ${JSON.stringify(result.query)}`);
  }

  step('owner subscribes to presenceChanged');
  const events = new Recorder('presenceChanged');
  const watching = owner
    .request({ query: PRESENCE_SUBSCRIPTION, variables: { a: cfg.ROLLCALL_ACCOUNT_ID } })
    .subscribe({
      next: (v) => events.push(flatEvent(v)),
      error: (err) => events.fail(err),
      complete: () => {
        result.presenceCompletedEarly = true;
        events.fail(new Error('presenceChanged completed'));
      },
    });
  const setPresence = (a) => once(owner, { query: SET_PRESENCE, variables: { a } }, `setPresence ${a}`);
  const lastOwnerEvent = () => events.items.filter((e) => e.email === ownerEmail).at(-1);

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
  const { client: member, acks: memberAcks } = connect(cfg.ROLLCALL_MEMBER_TOKEN, WS, result, 'member');
  result.memberConnection = await memberAcks.until(() => true, 'member connection_ack or connection_error');
  result.memberQuery = await once(member, { query: '{ me { email } }' }, 'member query');
  const memberEmail = result.memberQuery?.data?.me?.email;
  if (!memberEmail || memberEmail === ownerEmail) {
    throw new Error(`member me query: ${JSON.stringify(result.memberQuery)}`);
  }
  await events.until((e) => e.email === memberEmail, 'a member event', { from: mark });

  step('member leaves');
  const memberSocket = result.sockets.length - 1;
  member.close(); // connection_terminate, then the socket's close
  await events.until((e) => e.email === memberEmail && e.status === 'OFFLINE', 'the member OFFLINE event', {
    from: mark,
  });
  result.memberEvents = events.items.slice(mark).filter((e) => e.email === memberEmail);
  result.memberClose = result.sockets[memberSocket].close;

  step('operation errors keep the socket open');
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

  step('a bad token is refused');
  const before = result.sockets.length;
  const { client: bad, acks: badAcks } = connect('not-a-valid-token', WS, result, 'bad-token');
  result.badToken = { connection: await badAcks.until(() => true, 'connection_error') };
  const badSocket = result.sockets[before];
  for (let i = 0; !badSocket.close && i < 100; i++) {
    await sleep(20);
  }
  result.badToken.close = badSocket.close;
  bad.close();

  step('owner leaves');
  watching.unsubscribe(); // stop
  await sleep(100); // the server's complete for the stop
  owner.close();
  for (let i = 0; !result.sockets[0].close && i < 100; i++) {
    await sleep(20);
  }
  result.ownerClose = result.sockets[0].close;
  result.events = events.items;
});

// Shared helpers of the npm-client scenarios (see graphql-ws.mjs and
// subscriptions-transport-ws.mjs). Each script prints exactly one JSON line
// on stdout when every step ran, or exits 1 with the failed step, the reason
// and the partial result on stderr; e2e/jsclients_test.go asserts on it.

import { createRequire } from 'node:module';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);

// versionOf returns the installed version of an npm package.
export function versionOf(pkg) {
  return require(`${pkg}/package.json`).version;
}

// config reads the websocket URL (argv[2] or ROLLCALL_WS_URL) and the
// ROLLCALL_* variables listed in names (tokens stay out of argv).
export function config(names) {
  const url = process.argv[2] || process.env.ROLLCALL_WS_URL;
  if (!url) {
    usage('the websocket URL is missing');
  }
  const out = { url };
  for (const name of names) {
    const v = process.env[name];
    if (!v) {
      usage(`${name} is not set`);
    }
    out[name] = v;
  }
  return out;
}

function usage(problem) {
  process.stderr.write(
    `${problem}\nusage: ROLLCALL_OWNER_TOKEN=… ROLLCALL_MEMBER_TOKEN=… ROLLCALL_ACCOUNT_ID=… node ${process.argv[1]} ws://HOST/query\n`,
  );
  process.exit(2);
}

// describe turns whatever a client rejected with (Error, CloseEvent, GraphQL
// error array, connection_error payload) into JSON-friendly data.
export function describe(err) {
  if (err === undefined || err === null) {
    return null;
  }
  if (Array.isArray(err)) {
    return { errors: err.map(describe) };
  }
  if (typeof err === 'object' && 'code' in err && 'reason' in err && typeof err.code === 'number') {
    return { closeCode: err.code, closeReason: String(err.reason ?? '') };
  }
  if (err instanceof Error) {
    return { message: err.message };
  }
  if (typeof err === 'object') {
    return JSON.parse(JSON.stringify(err));
  }
  return { message: String(err) };
}

// recordingWebSocket returns a `ws` WebSocket class that logs into sockets,
// for every socket a client opens: the negotiated subprotocol, the message
// types sent and received (counted) and how the socket closed.
export function recordingWebSocket(sockets) {
  return class RecordingWebSocket extends WebSocket {
    constructor(url, protocols, ...rest) {
      super(url, protocols, ...rest);
      const entry = { offered: protocols ?? null, protocol: null, sent: {}, received: {}, close: null };
      sockets.push(entry);
      this.rollcallEntry = entry;
      this.addEventListener('open', () => {
        entry.protocol = this.protocol;
      });
      this.addEventListener('message', (e) => {
        count(entry.received, typeOf(e.data));
      });
      this.addEventListener('close', (e) => {
        entry.close = { code: e.code, reason: e.reason };
      });
    }

    send(data, ...rest) {
      count(this.rollcallEntry.sent, typeOf(data));
      super.send(data, ...rest);
    }
  };
}

function count(into, key) {
  into[key] = (into[key] ?? 0) + 1;
}

function typeOf(data) {
  try {
    return JSON.parse(String(data)).type ?? '<no type>';
  } catch {
    return '<not JSON>';
  }
}

// Recorder collects items pushed by a client callback and lets a step wait
// for one that matches.
export class Recorder {
  constructor(name) {
    this.name = name;
    this.items = [];
    this.error = null;
    this.waiters = new Set();
  }

  push(item) {
    this.items.push(item);
    this.wake();
  }

  fail(err) {
    this.error = err;
    this.wake();
  }

  wake() {
    for (const w of [...this.waiters]) {
      w();
    }
  }

  // until resolves with the first item from index `from` on that matches
  // pred, and rejects after timeoutMs or when the source failed.
  until(pred, what, { from = 0, timeoutMs = 5000 } = {}) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        const found = this.items.slice(from).find(pred);
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.error) {
          done();
          reject(new Error(`${this.name} failed while waiting for ${what}: ${JSON.stringify(describe(this.error))}`));
        }
      };
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} on ${this.name} within ${timeoutMs}ms; seen: ${JSON.stringify(this.items)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// withTimeout rejects when promise has not settled within ms.
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// flatEvent flattens a presenceChanged result for the report.
export function flatEvent(result) {
  const e = result?.data?.presenceChanged;
  return {
    email: e?.user?.email ?? null,
    status: e?.presence?.status ?? null,
    connectedDevices: e?.presence?.connectedDevices ?? null,
    accountId: e?.accountId ?? null,
    errors: result?.errors ?? null,
  };
}

export const PRESENCE_SUBSCRIPTION = `subscription($a: ID!) {
  presenceChanged(accountId: $a) { accountId at user { email } presence { status connectedDevices } }
}`;

export const SET_PRESENCE = `mutation($a: PresenceActivity!) {
  setPresence(input: {activity: $a}) { status connectedDevices }
}`;

// run executes main(result, step), with step(name) naming what is being
// done, and prints the result as one JSON line; any failure or the overall
// timeout exits 1 with the step, the reason and the partial result.
export async function run(main, { timeoutMs = 25000 } = {}) {
  const result = {};
  let current = 'start';
  const step = (name) => {
    current = name;
  };
  const fail = (err) => {
    const reason = err instanceof Error ? err.stack : JSON.stringify(describe(err));
    process.stderr.write(`FAILED at step "${current}": ${reason}\npartial result: ${JSON.stringify(result)}\n`);
    process.exit(1);
  };
  const timer = setTimeout(() => fail(new Error(`the scenario did not finish within ${timeoutMs}ms`)), timeoutMs);
  process.on('unhandledRejection', fail);
  try {
    await main(result, step);
  } catch (err) {
    fail(err);
  }
  clearTimeout(timer);
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}

// Live pages show a snapshot (a query's result) with a subscription's
// events written over it. Two races would leave such a page wrong until the
// next event, which may never come:
//
//   - A snapshot read on the server before a change but received after that
//     change's event: writing the result would put the older state back.
//     The journal answers it: each event written into the cache is recorded,
//     and once a query's result is written, the events received since that
//     query was sent are written again, in the order they came.
//   - An event published before the subscription existed on the server (the
//     device's own connection, or anything while the socket was down): it is
//     never delivered. Every active query is read again, past any request
//     already in flight, each time the socket is connected (refreshActive).
import { ApolloLink, type ApolloClient, type DocumentNode, type OperationVariables } from '@apollo/client';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { Observable } from 'rxjs';

// How long an event is kept for replay: far longer than any query takes.
const KEEP_MS = 120_000;
// At most this many people or sessions are remembered.
const MAX_ENTRIES = 5_000;

interface Entry {
  at: number;
  apply: () => void;
}

export class Journal {
  // Latest write per entity, oldest first (a new write moves its key last).
  private entries = new Map<string, Entry>();

  // record writes an event into the cache now (apply) and keeps it so that
  // a snapshot older than it cannot undo it. key names the entity written.
  record(key: string, apply: () => void): void {
    apply();
    this.entries.delete(key);
    this.entries.set(key, { at: performance.now(), apply });
    const old = performance.now() - KEEP_MS;
    for (const [k, e] of this.entries) {
      if (e.at >= old && this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(k);
    }
  }

  // replaySince writes again, in arrival order, the events received at or
  // after since (a performance.now() time).
  replaySince(since: number): void {
    for (const e of this.entries.values()) {
      if (e.at >= since) e.apply();
    }
  }
}

const journals = new WeakMap<ApolloClient, Journal>();

export function attachJournal(client: ApolloClient, journal: Journal): void {
  journals.set(client, journal);
}

// journalOf gives the client's journal (a detached one for a client made
// without it, so that callers never need to check).
export function journalOf(client: ApolloClient): Journal {
  let j = journals.get(client);
  if (!j) {
    j = new Journal();
    journals.set(client, j);
  }
  return j;
}

function isQuery(query: DocumentNode): boolean {
  const def = getMainDefinition(query);
  return def.kind === Kind.OPERATION_DEFINITION && def.operation === OperationTypeNode.QUERY;
}

// journalLink replays the journal after each query result: Apollo writes a
// result into the cache while the link hands it on, so the replay lands on
// top of it.
export function journalLink(journal: Journal): ApolloLink {
  return new ApolloLink((operation, forward) => {
    if (!isQuery(operation.query)) return forward(operation);
    const sent = performance.now();
    return new Observable((observer) => {
      const sub = forward(operation).subscribe({
        next: (result) => {
          observer.next(result);
          journal.replaySince(sent);
        },
        error: (e) => observer.error(e),
        complete: () => observer.complete(),
      });
      return () => sub.unsubscribe();
    });
  });
}

// fetchFresh reads query from the server into the cache, never sharing a
// request already in flight (whose answer may predate what the caller knows).
export async function fetchFresh(client: ApolloClient, query: DocumentNode, variables?: OperationVariables): Promise<void> {
  try {
    await client.query({ query, variables, fetchPolicy: 'network-only', context: { queryDeduplication: false } });
  } catch (e) {
    // The page's own query shows its errors; a failed refresh leaves the
    // page as it was.
    console.warn('refresh failed', e);
  }
}

// refreshActive reads every query a page shows again.
export function refreshActive(client: ApolloClient): void {
  void client.refetchQueries({
    include: 'active',
    onQueryUpdated: (oq) => fetchFresh(client, oq.query, oq.variables),
  });
}

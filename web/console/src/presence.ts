// Live presence: every presenceChanged event of an account is written
// into the cached person, so each place that shows them (the directory's
// dot and last active, a member's page) changes at once. Each event goes
// through the journal, so that a directory page read before it and received
// after it cannot put the older presence back.
import { useApolloClient, useSubscription } from '@apollo/client/react';

import { graphql } from './gql';
import { journalOf } from './live';

const PresenceChanged = graphql(`
  subscription PresenceChanged($accountId: ID!) {
    presenceChanged(accountId: $accountId) {
      user {
        id
      }
      presence {
        status
        lastActiveAt
        connectedDevices
      }
      at
    }
  }
`);

const PresenceOfUser = graphql(`
  fragment PresenceOfUser on User {
    presence {
      status
      lastActiveAt
      connectedDevices
    }
  }
`);

export function useLivePresence(accountId: string) {
  const client = useApolloClient();
  useSubscription(PresenceChanged, {
    variables: { accountId },
    onData: ({ data }) => {
      const ev = data.data?.presenceChanged;
      if (!ev) return;
      const id = client.cache.identify({ __typename: 'User', id: ev.user.id });
      journalOf(client).record(`${id}.presence`, () =>
        client.cache.writeFragment({ id, fragment: PresenceOfUser, data: { presence: ev.presence } }),
      );
    },
  });
}

// Live presence: every presenceChanged event of an account is written
// into the cached person, so each place that shows them (the directory's
// dot and last active, a member's page) changes at once.
import { useApolloClient, useSubscription } from '@apollo/client/react';

import { graphql } from './gql';

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
      client.cache.writeFragment({
        id: client.cache.identify({ __typename: 'User', id: ev.user.id }),
        fragment: PresenceOfUser,
        data: { presence: ev.presence },
      });
    },
  });
}

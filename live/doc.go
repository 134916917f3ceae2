// Package live owns this node's live side of people: the websockets as
// presence connections (connect, close, manual AWAY), signed-out sessions'
// sockets closed on every node, and the subscriptions presenceChanged and
// sessionsChanged, end to end.
//
// # Render once
//
// A subscription does not run a goroutine of its own. Its resolver admits
// the socket (the viewer may see the account), then joins a topic — an
// account's presence, or one person's sessions — and, inside it, the group
// of subscriptions that would receive identical bytes: the same document,
// operation name and variables, and the same visibility (see Shared). Each
// group runs one gqlgen operation of its own; an event of the topic is
// executed and encoded once per group, and the bytes are queued to every
// socket of the group through its wstransport.Stream. A socket then costs
// its reader, a writer while it has something to write, and an entry in a
// group.
//
// # Topics
//
// An account's topic loads the account's member list once, watches those
// people through presence (one Watcher per account on this node, however
// many sockets watch it: a delivery goroutine, and one that follows access
// changes), preloads their profiles for rendering, and follows access
// changes of the organization: every subscriber's access is checked again
// (once per person), those who lost it end with FORBIDDEN, and the people
// watched are replaced by the new list, those who are not OFFLINE announced
// at once. A subscriber is admitted with one read, and the admission is
// remembered for 10 s unless the organization's access changes.
// A person's sessions topic follows their session changes from every node.
// A topic ends with its last subscriber.
package live

// Package presence knows who is connected now: device connections,
// heartbeats, ONLINE/AWAY/OFFLINE status with versions, last-active times,
// fan-out of changes to watchers on every node, and session kicks.
//
// It imports only models and go-redis. Two backends implement Service with
// the same semantics, checked by one suite (presencetest.Run):
//
//   - NewRedis(rdb, opts): several server nodes sharing Redis.
//   - NewMemory(opts): the embedded default, in one process.
//
// # Wiring (package live does this for the server)
//
//	var pres presence.Service
//	if rdb != nil {
//		pres = presence.NewRedis(rdb, presence.Options{Node: nodeID})
//	} else {
//		pres = presence.NewMemory(presence.Options{Node: nodeID})
//	}
//	pres.OnKick(sockets.CloseSessions)              // close local sockets of these sessions
//	pres.OnLastActive(users.WriteLastActive)        // write-behind to the database; must not block
//	go pres.Run(ctx)                                // heartbeat, sweeper, event loop
//	...
//	pres.Shutdown(shutdownCtx)                      // after the HTTP server stopped accepting
//
// The websocket transport calls, per socket:
//
//   - Connect(ctx, models.PresenceConn{ConnID: random, UserID, SessionID, Device,
//     ManualAway: user.ManualAway}) once the connection is acknowledged;
//   - SetActivity(ctx, connID, idle) when the client reports IDLE/ACTIVE
//     (rate-limit the reports per socket);
//   - Disconnect(ctx, connID) when the socket closes or pongs stop.
//
// Run heartbeats every local connection itself (one pipeline per 1000
// connections every HeartbeatInterval); Touch is there for a transport
// that wants to refresh a connection on its own pong.
// With Redis, Connects and Disconnects made while one of theirs is in flight
// go out together in the next pipeline (a lone call goes out at once); each
// still returns once its own change is applied, or with its own error.
//
// Sign-out: after the session is revoked in the database, call
// KickSessions(ctx, ids); every node's OnKick handler closes its sockets of
// those sessions. SetManualAway is called after the database stores the
// flag; members lists call States (one round trip for any number of users)
// and SessionConnected for "connected now" badges.
//
// Subscriptions (presenceChanged): the resolver calls Watch(ctx, memberIDs)
// and forwards w.C to the client, selecting on ctx.Done() and closing the
// watcher after. When C closes with w.Err() == ErrSlowConsumer, close the
// socket with a distinct code; the client resyncs with States on reconnect.
// A watcher's queue keeps only the latest state per user, so a subscriber
// never receives a stale version, and the producer never blocks.
//
// # Semantics
//
// A user is ONLINE with at least one device not idle, AWAY when every device
// is idle (reported IDLE, or no ACTIVE report for IdleAfter) or manual away
// is set, OFFLINE with no device. When the last device disconnects the
// previous state is held for OfflineGrace: a reconnect in that window emits
// nothing. Connections expire TTL after their last heartbeat; expiry and
// Shutdown apply no grace (the connection is already known gone). Events
// are emitted only when Status or Devices changed, with a version one
// higher than the last; the node-local hub and every watcher drop events
// whose version is not newer than the last delivered.
//
// # Redis layout
//
// Keys share the hash tag of the user's shard, {userID mod Shards}, so each
// Lua script touches one Cluster slot: per user a ZSET of connID→expiry
// (…:c:<uid>), a HASH of connection metadata (…:m:<uid>: session, node,
// connected-at, device, idle flag, last ACTIVE), a HASH status record
// (…:s:<uid>: status, devices, version, last active, manual away, pending
// OFFLINE deadline, last value handed to the hook, connected sessions); per
// shard a due-set ZSET userID→next deadline (…:due: earliest expiry, end of
// grace, or a device turning idle) and a HASH userID→status of the users
// who are not OFFLINE (…:live, for the members filter). Presence events and
// session changes (s|…) go to one channel per user (<prefix>{<shard>}:ev:<uid>,
// in the slot of the user's keys), over sharded pub/sub on a Redis Cluster
// (ShardedPubSub; see fanout.go); kicks and access changes (a:…) to
// <prefix>kick, on plain pub/sub. See lua.go for the scripts. A heartbeat is one script per connection.
//
// Every node sweeps: each SweepInterval it reads the due users of all shards
// in one pipeline and runs the idempotent sweep script for them in another;
// two nodes sweeping the same user emit one event. Keyspace notifications
// are not used. A node subscribes only to the channels of users its
// watchers watch; after its pub/sub connection comes back it re-reads those
// users and emits what changed meanwhile.
package presence

package presence

// LocalStats are this node's presence figures, cheap enough for every
// metrics scrape (three map lengths under their locks).
type LocalStats struct {
	// Connections are the device connections this node holds.
	Connections int
	// Watchers are the presence watchers open on this node (one per
	// presenceChanged subscription or members page that follows changes).
	Watchers int
	// WatchedUsers are the distinct users followed on this node, by
	// presence watchers or by the session watchers of sockets.
	WatchedUsers int
	// PubSubMessages and PubSubBytes count what this node has read from
	// Redis pub/sub since it started (channel name and payload of each
	// message): the fan-out traffic a node pays for.
	PubSubMessages, PubSubBytes int64
	// ShardSubscriptions are the sharded subscriptions open (one per
	// presence shard the node's watchers follow; 0 with plain pub/sub).
	ShardSubscriptions int
}

func (h *hub) stats() (watchers, users int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all), len(h.users)
}

// LocalStats reports this node's figures.
func (r *Redis) LocalStats() LocalStats {
	r.mu.Lock()
	n := len(r.local)
	r.mu.Unlock()
	w, u := r.hub.stats()
	return LocalStats{Connections: n, Watchers: w, WatchedUsers: u,
		PubSubMessages: r.readMsgs.Load(), PubSubBytes: r.readBytes.Load(), ShardSubscriptions: r.ShardSubscriptions()}
}

// LocalStats reports this node's figures.
func (m *Memory) LocalStats() LocalStats {
	m.mu.Lock()
	n := len(m.local)
	m.mu.Unlock()
	w, u := m.hub.stats()
	return LocalStats{Connections: n, Watchers: w, WatchedUsers: u}
}

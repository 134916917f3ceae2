package presence

import (
	"strings"

	"github.com/redis/go-redis/v9"
)

// Lua scripts of the Redis backend. Every transition of one user runs as one
// script over that user's keys, which share a hash tag (see Redis.keys):
//
//	KEYS[1] conns  ZSET connID -> expiry (ms)
//	KEYS[2] meta   HASH m:<conn> "session|node|connectedAt|device",
//	                    i:<conn> idle flag "0"/"1", a:<conn> last ACTIVE (ms)
//	KEYS[3] status HASH st status, dv devices, v version, la last active (ms),
//	                    ma manual away "0"/"1", off pending-OFFLINE deadline (ms),
//	                    lw last active handed to the write-behind hook (ms),
//	                    idl earliest time a non-idle device turns idle (ms),
//	                    ss sessions with a live connection ("id,id,...")
//	KEYS[4] due    ZSET userID -> next time a sweeper must run (shard of the user)
//	KEYS[5] live   HASH userID -> status, for the users of the shard who are
//	                    not OFFLINE (the members filter reads it)
//
//	ARGV[1] now (ms), ARGV[2] userID, ARGV[3] idleAfter (ms),
//	ARGV[4] lastActiveEvery (ms), ARGV[5] event channel, ARGV[6..] per script.
//
// finish() is shared: it drops expired connections, derives the status
// (holding the previous one while an offline grace runs), bumps the version
// and publishes "uid|version|status|devices|lastActive|at" only when the
// status or device count changed, publishes "s|uid|session|CONNECTED|at" or
// DISCONNECTED when a session gained its first or lost its last live
// connection, stores the next due time, and reports
// whether the last-active hook is due. It returns
// {changed, version, status, devices, lastActive, hook}.
const luaPrelude = `
local KC, KM, KS, KD, KL = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[1])
local uid = ARGV[2]
local idleAfter = tonumber(ARGV[3])
local laEvery = tonumber(ARGV[4])
local chan = ARGV[5]

local function load()
  local r = redis.call('HMGET', KS, 'st', 'dv', 'v', 'la', 'ma', 'off', 'lw', 'ss')
  return {st = r[1] or 'OFFLINE', dv = tonumber(r[2] or '0'), v = tonumber(r[3] or '0'),
          la = tonumber(r[4] or '0'), ma = r[5] or '0', off = tonumber(r[6] or '0'),
          lw = tonumber(r[7] or '0'), ss = r[8] or ''}
end

local function dropConn(c)
  redis.call('ZREM', KC, c)
  redis.call('HDEL', KM, 'm:' .. c, 'i:' .. c, 'a:' .. c)
end

local function finish(s)
  local expired = redis.call('ZRANGEBYSCORE', KC, '-inf', now)
  for i = 1, #expired do dropConn(expired[i]) end
  local conns = redis.call('ZRANGE', KC, 0, -1, 'WITHSCORES')
  local n = #conns / 2
  local due, idl = 0, 0
  local allIdle = true
  local sess, sessList = {}, {}
  for i = 1, #conns, 2 do
    local c = conns[i]
    local e = tonumber(conns[i + 1])
    if due == 0 or e < due then due = e end
    local m = redis.call('HMGET', KM, 'i:' .. c, 'a:' .. c, 'm:' .. c)
    local sid = string.match(m[3] or '', '^(%d+)|')
    if sid and sid ~= '0' and not sess[sid] then
      sess[sid] = true
      sessList[#sessList + 1] = sid
    end
    if m[1] ~= '1' then
      local a = tonumber(m[2] or '0')
      if now - a < idleAfter then
        allIdle = false
        local d = a + idleAfter
        if idl == 0 or d < idl then idl = d end
      end
    end
  end
  if idl > 0 and idl < due then due = idl end
  local st, dv
  if n > 0 then
    s.off = 0
    dv = n
    if s.ma == '1' or allIdle then st = 'AWAY' else st = 'ONLINE' end
  elseif s.off > now then
    st, dv = s.st, s.dv
    if due == 0 or s.off < due then due = s.off end
  else
    s.off = 0
    st, dv = 'OFFLINE', 0
  end
  local changed = (st ~= s.st) or (dv ~= s.dv)
  -- Versions are the time in ms, or one more than the last when changes
  -- come faster: they keep going up even after Redis lost its data.
  if changed then s.v = math.max(s.v + 1, now) end
  local hook = 0
  if s.la > s.lw and ((s.la - s.lw >= laEvery) or (changed and st == 'OFFLINE')) then
    s.lw = s.la
    hook = 1
  end
  table.sort(sessList)
  local ss = table.concat(sessList, ',')
  if ss ~= s.ss then
    local before = {}
    for sid in string.gmatch(s.ss, '[^,]+') do
      before[sid] = true
      if not sess[sid] then
        redis.call('PUBLISH', chan, 's|' .. uid .. '|' .. sid .. '|DISCONNECTED|' .. now)
      end
    end
    for _, sid in ipairs(sessList) do
      if not before[sid] then
        redis.call('PUBLISH', chan, 's|' .. uid .. '|' .. sid .. '|CONNECTED|' .. now)
      end
    end
  end
  redis.call('HSET', KS, 'st', st, 'dv', dv, 'v', s.v, 'la', s.la, 'ma', s.ma,
    'off', s.off, 'lw', s.lw, 'idl', idl, 'ss', ss)
  if due > 0 then redis.call('ZADD', KD, due, uid) else redis.call('ZREM', KD, uid) end
  if changed then
    if st == 'OFFLINE' then redis.call('HDEL', KL, uid) else redis.call('HSET', KL, uid, st) end
    redis.call('PUBLISH', chan, uid .. '|' .. s.v .. '|' .. st .. '|' .. dv .. '|' .. s.la .. '|' .. now)
  end
  return {changed and 1 or 0, s.v, st, dv, s.la, hook}
end
`

// ARGV[6] conn, ARGV[7] expiry, ARGV[8] metadata, ARGV[9] manual away
// "0"/"1", or "?0"/"?1" to apply only when Redis no longer knows it (a
// connection registered again after Redis restarted empty).
const luaConnectBody = `
local s = load()
local c = ARGV[6]
redis.call('ZADD', KC, ARGV[7], c)
redis.call('HSET', KM, 'm:' .. c, ARGV[8], 'i:' .. c, '0', 'a:' .. c, now)
if now > s.la then s.la = now end
local ma = ARGV[9]
if string.sub(ma, 1, 1) == '?' then
  if redis.call('HEXISTS', KS, 'ma') == 0 then s.ma = string.sub(ma, 2) end
else
  s.ma = ma
end
return finish(s)
`

// ARGV[6] conn, ARGV[7] idle "0"/"1". Returns {-1} for an unknown conn.
const luaActivityBody = `
local c = ARGV[6]
if not redis.call('ZSCORE', KC, c) then return {-1} end
local s = load()
redis.call('HSET', KM, 'i:' .. c, ARGV[7])
if ARGV[7] == '0' then
  redis.call('HSET', KM, 'a:' .. c, now)
  if now > s.la then s.la = now end
end
return finish(s)
`

// ARGV[6] manual away "0"/"1".
const luaManualBody = `
local s = load()
s.ma = ARGV[6]
return finish(s)
`

// ARGV[6] conn, ARGV[7] grace (ms, 0 for none). The grace starts only when
// this was the last live device of a user not already OFFLINE.
const luaDisconnectBody = `
local s = load()
local c = ARGV[6]
local grace = tonumber(ARGV[7])
if redis.call('ZSCORE', KC, c) then
  dropConn(c)
  if grace > 0 and s.dv > 0 and redis.call('ZCOUNT', KC, '(' .. now, '+inf') == 0 then
    s.off = now + grace
  end
end
return finish(s)
`

// Applies whatever is due; idempotent, so concurrent sweepers emit one event.
const luaSweepBody = `
return finish(load())
`

// The heartbeat path, kept lean: refresh the expiry and move the due time.
// KEYS conns, status, due; ARGV[1] userID, ARGV[2] conn, ARGV[3] expiry.
// Returns 0 when the connection is gone (swept), 1 otherwise.
var luaTouch = redis.NewScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[2])
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local due = tonumber(first[2])
local idl = tonumber(redis.call('HGET', KEYS[2], 'idl') or '0')
if idl > 0 and idl < due then due = idl end
redis.call('ZADD', KEYS[3], due, ARGV[1])
return 1
`)

// eventScripts are the scripts that change a user's state and publish its
// events, in the flavour of pub/sub the node uses: PUBLISH reaches every
// node of a Redis Cluster; SPUBLISH only the shard (master and replicas)
// that owns the channel's slot — the slot of the user's keys, as the
// channel carries their hash tag.
type eventScripts struct {
	connect, activity, manual, disconnect, sweep *redis.Script
}

func newEventScripts(publish string) *eventScripts {
	prelude := strings.ReplaceAll(luaPrelude, "redis.call('PUBLISH'", "redis.call('"+publish+"'")
	mk := func(body string) *redis.Script { return redis.NewScript(prelude + body) }
	return &eventScripts{mk(luaConnectBody), mk(luaActivityBody), mk(luaManualBody), mk(luaDisconnectBody), mk(luaSweepBody)}
}

var (
	plainScripts   = newEventScripts("PUBLISH")
	shardedScripts = newEventScripts("SPUBLISH")
)

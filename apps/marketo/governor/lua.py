"""The Lua scripts of the Redis backend. Each runs atomically inside Redis and reads the
time with Redis TIME, so every process on every machine is judged by one clock.

Keys (all of one instance share the hash tag {i<id>}, so a script also runs on Redis Cluster,
on the node that holds the instance's slot; each instance is then timed by that node's clock):
  KEYS window   sorted set, member lease id, score admission time: the sliding-window log
  KEYS inflight sorted set, member lease id, score lease expiry: the calls in flight
  KEYS daily    string counter for one America/Chicago date, expires a day after that date
  KEYS cooldown string "until" (epoch seconds), set by a 606/615, expires with the cool-down
  KEYS blocked  string "until" (epoch seconds), set by a 607, expires at Chicago midnight
  KEYS penalty  hash {shrunk_to, at}: the shrunk window budget and when it was shrunk
  KEYS stats    hash of named counters that only grow (governor/stats.py), never expires
Times are passed around as strings with microseconds: a Lua number returned to Redis would
be truncated to an integer.
"""

_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function fmt(x) return string.format('%.6f', x) end
local function number_at(key) return tonumber(redis.call('GET', key) or '0') end
-- The window budget after a 606/615: shrunk_to plus one step per full window since (policy.py).
local function effective_budget(penalty_key, calls_per_window, window_seconds, step)
  local p = redis.call('HMGET', penalty_key, 'shrunk_to', 'at')
  if not p[1] then return calls_per_window end
  local steps = math.max(0, math.floor((now - tonumber(p[2])) / window_seconds))
  return math.min(calls_per_window, tonumber(p[1]) + steps * step)
end
"""

# KEYS: window, inflight, daily, cooldown, blocked, penalty
# ARGV: lease id, interactive (1/0), calls per window, interactive reserve, slots this
#       priority may fill, window seconds, window span (window + margin), this lease's seconds,
#       daily limit, seconds to Chicago midnight, daily key ttl, recovery step, recheck seconds
# Returns {1, admitted_at} or {0, seconds to wait, reason}.
ADMIT = (
    _PRELUDE
    + """
local lease_id, interactive = ARGV[1], ARGV[2] == '1'
local calls_per_window, reserve = tonumber(ARGV[3]), tonumber(ARGV[4])
local slots, window_seconds, span = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local lease_seconds, daily_limit = tonumber(ARGV[8]), tonumber(ARGV[9])
local day_left, daily_ttl = tonumber(ARGV[10]), tonumber(ARGV[11])
local step, recheck = tonumber(ARGV[12]), tonumber(ARGV[13])

local blocked = number_at(KEYS[5])
if blocked > now then return {0, fmt(blocked - now), 'blocked'} end
local cooldown = number_at(KEYS[4])
if cooldown > now then return {0, fmt(cooldown - now), 'cooldown'} end
if number_at(KEYS[3]) >= daily_limit then return {0, fmt(day_left), 'daily'} end

-- An expired lease belongs to a call that ended long ago or to a process that died.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now))
local in_flight = redis.call('ZCARD', KEYS[2])
if in_flight >= slots then
  local soonest = redis.call('ZRANGE', KEYS[2], in_flight - slots, in_flight - slots, 'WITHSCORES')
  return {0, fmt(math.min(tonumber(soonest[2]) - now, recheck)), 'concurrency'}
end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - span))
local allowed = effective_budget(KEYS[6], calls_per_window, window_seconds, step)
if not interactive then allowed = math.max(1, allowed - reserve) end
local in_window = redis.call('ZCARD', KEYS[1])
if in_window >= allowed then
  -- Wait until enough of the oldest admissions fall out to bring the count under `allowed`.
  local oldest = redis.call('ZRANGE', KEYS[1], in_window - allowed, in_window - allowed,
                            'WITHSCORES')
  return {0, fmt(tonumber(oldest[2]) + span - now), 'window'}
end

redis.call('ZADD', KEYS[1], fmt(now), lease_id)
redis.call('ZADD', KEYS[2], fmt(now + lease_seconds), lease_id)
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], daily_ttl)
-- An idle instance leaves nothing behind.
redis.call('PEXPIRE', KEYS[1], math.ceil(span * 1000) + 1000)
-- Each call has a lease of its own length: the key lives as long as the longest, not as
-- long as this one (a short lease after a long one must not take the long one with it).
local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[2], math.ceil((tonumber(latest[2]) - now) * 1000) + 1000)
return {1, fmt(now)}
"""
)

# KEYS: window, inflight, daily (of the lease's day). ARGV: lease id.
# A call Marketo did not count: free its slot, take it out of the window and the day.
REFUND = """
local was_in_flight = redis.call('ZREM', KEYS[2], ARGV[1])
local was_in_window = redis.call('ZREM', KEYS[1], ARGV[1])
if was_in_flight + was_in_window > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then
  redis.call('DECR', KEYS[3])
end
return was_in_flight + was_in_window
"""

# KEYS: inflight. ARGV: lease id, seconds. The slot expires that long from now, unless it
# would have expired (or was released) sooner.
HOLD = (
    _PRELUDE
    + """
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
local held_until = now + tonumber(ARGV[2])
if expires and tonumber(expires) > held_until then
  redis.call('ZADD', KEYS[1], 'XX', fmt(held_until), ARGV[1])
end
return 0
"""
)

# KEYS: cooldown, blocked, penalty
# ARGV: "busy" (606/615) or "quota" (607), cool-down seconds, calls per window,
#       window seconds, recovery step, seconds to Chicago midnight
PENALIZE = (
    _PRELUDE
    + """
local kind, cooldown_seconds = ARGV[1], tonumber(ARGV[2])
local calls_per_window, window_seconds = tonumber(ARGV[3]), tonumber(ARGV[4])
local step, day_left = tonumber(ARGV[5]), tonumber(ARGV[6])
if kind == 'quota' then
  redis.call('SET', KEYS[2], fmt(now + day_left), 'PX', math.ceil(day_left * 1000) + 1000)
  return 1
end
-- One shrink per cool-down: the calls in flight when Marketo first said 606 may all come back
-- 606, and that is one signal, not several.
if number_at(KEYS[1]) <= now then
  local current = effective_budget(KEYS[3], calls_per_window, window_seconds, step)
  local shrunk = math.max(1, math.floor(current / 2))
  redis.call('HSET', KEYS[3], 'shrunk_to', shrunk, 'at', fmt(now))
  local recovery = math.ceil((calls_per_window - shrunk) / step) * window_seconds
  redis.call('PEXPIRE', KEYS[3], math.ceil(recovery * 1000) + 1000)
end
redis.call('SET', KEYS[1], fmt(now + cooldown_seconds), 'PX',
           math.max(1, math.ceil(cooldown_seconds * 1000)))
return 1
"""
)

# KEYS: window, inflight, daily, cooldown, blocked, penalty
# ARGV: window span, calls per window, window seconds, recovery step
# Read only: counts what is live now without removing what is not.
STATE = (
    _PRELUDE
    + """
local span, calls_per_window = tonumber(ARGV[1]), tonumber(ARGV[2])
local window_seconds, step = tonumber(ARGV[3]), tonumber(ARGV[4])
local blocked = number_at(KEYS[5])
return {
  redis.call('ZCOUNT', KEYS[1], '(' .. fmt(now - span), '+inf'),
  redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now), '+inf'),
  number_at(KEYS[3]),
  fmt(math.max(0, number_at(KEYS[4]) - now)),
  blocked > now and fmt(blocked) or '',
  effective_budget(KEYS[6], calls_per_window, window_seconds, step),
}
"""
)

# KEYS: daily. ARGV: Marketo's count for today, key ttl. The larger figure wins.
RAISE_DAILY = """
local count = tonumber(ARGV[1])
if count > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], count, 'EX', tonumber(ARGV[2]))
end
return tonumber(redis.call('GET', KEYS[1]) or '0')
"""

# KEYS: stats. ARGV: name, amount, name, amount, ... Adds each amount to its counter.
COUNT = """
for i = 1, #ARGV, 2 do
  redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 0
"""

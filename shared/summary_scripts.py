"""The claim store's Lua scripts and the packed entry format they share.

Redis runs the summary rules of shared.claim_summary as two scripts, each on one key (the
comparison key's summary hash, plus its id list when storing), so they run on one node of a
cluster and are atomic there: concurrent alert workers never lose each other's updates.
`entry_of` reads an entry as the scripts pack it (tests compare it with `Entry.add`'s).
"""

from __future__ import annotations

import struct

from shared.claim_summary import Entry, Rep

# Byte-wise order of ids when two claims share a millisecond (Lua's own `<` on strings
# follows the server's locale); the same (time, id) order as shared.claim_summary.Rep.
_LT = """
local function lt(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  local x, y = a[2], b[2]
  for i = 1, math.min(#x, #y) do
    local p, q = string.byte(x, i), string.byte(y, i)
    if p ~= q then return p < q end
  end
  return #x < #y
end
"""

# An entry's value, packed with Lua's struct (cjson took most of a check's time): B number
# of kept claims, then per kept claim <d ms and its id, source, article and sentence key
# (zero-terminated);
# then I4 count, B earliest, B latest (1-based numbers of kept claims), the per-source
# claims' numbers as a zero-terminated string of bytes, B number of sources and the sources
# (zero-terminated). A check reads only the kept claims, at the front.
_ENTRY = """
local function parse(raw)
  local nr = string.byte(raw, 1)
  local v = {struct.unpack(string.rep('<dssss', nr) .. '<I4BBsB', raw, 2)}
  local reps = {}
  for j = 0, 5 * nr - 1, 5 do
    reps[#reps + 1] = {v[j + 1], v[j + 2], v[j + 3], v[j + 4], v[j + 5]}
  end
  local k = 5 * nr
  local n, e, l, pchars, ns, at = v[k + 1], v[k + 2], v[k + 3], v[k + 4], v[k + 5], v[k + 6]
  local p, s = {}, {}
  for j = 1, #pchars do p[j] = reps[string.byte(pchars, j)] end
  for j = 1, ns do s[j], at = struct.unpack('s', raw, at) end
  return n, reps[e], reps[l], p, s
end

local function pack(n, e, l, p, s)
  local r, index = {}, {}
  local function ref(x)
    if not index[x[2]] then
      r[#r + 1] = x
      index[x[2]] = #r
    end
    return index[x[2]]
  end
  local ei, li, pc = ref(e), ref(l), {}
  for j, x in ipairs(p) do pc[j] = string.char(ref(x)) end
  local out = {string.char(#r)}
  for _, x in ipairs(r) do out[#out + 1] = struct.pack('<dssss', x[1], x[2], x[3], x[4], x[5]) end
  out[#out + 1] = struct.pack('<I4BBsB', n, ei, li, table.concat(pc), #s)
  for _, src in ipairs(s) do out[#out + 1] = struct.pack('s', src) end
  return table.concat(out)
end
"""

# Store one claim and add it to its entry in each tier (Entry.add). KEYS: summary, ids.
# ARGV: the body, then one string of fields joined by \x1f (one argument to encode and send
# instead of ten: loading is bound by the client's packing): id, ms, source, article,
# sentence key, signature, pair sources, listed sources, then "<tier>:<bucket>" per tier.
# The body's HSETNX makes a redelivered claim change nothing; one script per claim keeps
# concurrent alert workers from losing each other's updates.
SUMMARISE = (
    _LT
    + _ENTRY
    + """
local a, at = {}, 1
while true do
  local sep = string.find(ARGV[2], '\\31', at, true)
  if not sep then a[#a + 1] = string.sub(ARGV[2], at) break end
  a[#a + 1] = string.sub(ARGV[2], at, sep - 1)
  at = sep + 1
end
if redis.call('HSETNX', KEYS[1], 'b' .. a[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], a[2], a[1])
local me = {tonumber(a[2]), a[1], a[3], a[4], a[5]}
local sig, pcap, listed = a[6], tonumber(a[7]), tonumber(a[8])
for i = 9, #a do
  local field = 'm' .. a[i] .. ':' .. sig
  local raw = redis.call('HGET', KEYS[1], field)
  local n, e, l, p, s = 1, me, me, {me}, {me[3]}
  if raw then
    n, e, l, p, s = parse(raw)
    n = n + 1
    if lt(me, e) then e = me end
    if lt(l, me) then l = me end
    local same, last = nil, 1
    for j, r in ipairs(p) do
      if r[3] == me[3] then same = j end
      if lt(p[last], r) then last = j end
    end
    if same then
      if lt(me, p[same]) then p[same] = me end
    elseif #p < pcap then
      p[#p + 1] = me
    elseif lt(me, p[last]) then
      p[last] = me
    end
    table.sort(p, lt)
    local known = false
    for _, x in ipairs(s) do if x == me[3] then known = true end end
    if not known and #s < listed then s[#s + 1] = me[3] end
  else
    local list = 'k' .. a[i]
    redis.call('HSET', KEYS[1], list, (redis.call('HGET', KEYS[1], list) or '') .. sig)
  end
  redis.call('HSET', KEYS[1], field, pack(n, e, l, p, s))
end
return 1
"""
)

# The kept claims to compare a new claim with (claim_summary.select per read and
# signature), as encoded bodies. KEYS: summary. ARGV: claim id, article, sentence key, pair
# sources, then per read: tier, first bucket, last bucket, lo ms, hi ms.
COMPARABLE = (
    _LT
    + """
local self_id, article, sentence, cap = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local chosen, taken = {}, {}
for g = 5, #ARGV, 5 do
  local tier, lo, hi = ARGV[g], tonumber(ARGV[g + 3]), tonumber(ARGV[g + 4])
  -- per signature, per source: the earliest kept claim inside [lo, hi]
  local order, best = {}, {}
  for b = tonumber(ARGV[g + 1]), tonumber(ARGV[g + 2]) do
    local tb = tier .. ':' .. string.format('%d', b)
    local sigs = redis.call('HGET', KEYS[1], 'k' .. tb) or ''
    for first = 1, #sigs, 16000 do
      local fields = {}
      local chunk = string.sub(sigs, first, first + 15999)
      for at = 1, #chunk, 16 do
        fields[#fields + 1] = 'm' .. tb .. ':' .. string.sub(chunk, at, at + 15)
      end
      local raws = redis.call('HMGET', KEYS[1], unpack(fields))
      for f, raw in ipairs(raws) do
        if raw then
          local sig = string.sub(chunk, f * 16 - 15, f * 16)
          local by = best[sig]
          if not by then
            by = {}
            best[sig] = by
            order[#order + 1] = sig
          end
          local nr = string.byte(raw, 1)
          local v = {struct.unpack(string.rep('<dssss', nr), raw, 2)}
          for j = 0, 5 * nr - 1, 5 do
            local ms, id, src, art, snt = v[j + 1], v[j + 2], v[j + 3], v[j + 4], v[j + 5]
            if ms >= lo and ms <= hi and id ~= self_id and art ~= article
                and (sentence == '' or snt ~= sentence) then
              local c = by[src]
              if not c or lt({ms, id}, c) then by[src] = {ms, id} end
            end
          end
        end
      end
    end
  end
  for _, sig in ipairs(order) do
    local firsts = {}
    for _, c in pairs(best[sig]) do firsts[#firsts + 1] = c end
    table.sort(firsts, lt)
    for j = 1, math.min(cap, #firsts) do
      local id = firsts[j][2]
      if not taken[id] then
        taken[id] = true
        chosen[#chosen + 1] = 'b' .. id
      end
    end
  end
end
if #chosen == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(chosen))
"""
)


def entry_of(raw: bytes) -> Entry:
    """An entry as the scripts pack it (for tests and inspection)."""
    at = 1

    def text() -> str:
        nonlocal at
        end = raw.index(b"\0", at)
        value, at = raw[at:end].decode(), end + 1
        return value

    kept: list[Rep] = []
    for _ in range(raw[0]):
        (ms,) = struct.unpack_from("<d", raw, at)
        at += 8
        rid, source, article, sentence = text(), text(), text(), text()
        kept.append(Rep(int(ms), rid, source, article, sentence))
    n, first, last = struct.unpack_from("<IBB", raw, at)
    at += 6
    picks = raw[at : raw.index(b"\0", at)]
    at += len(picks) + 1
    count = raw[at]
    at += 1
    sources = [text() for _ in range(count)]
    return Entry(n, kept[first - 1], kept[last - 1], [kept[i - 1] for i in picks], sources)

/**
 * Lua run inside Redis, so each change to a cached node list is one atomic step.
 * Keys of one cluster share a hash tag, so they live on one slot of a Redis Cluster too.
 */

/**
 * On a miss: the entry if another replica stored it meanwhile, else the loader's lock when it is free.
 * KEYS: entry, lock, generation. ARGV: lock token, lock lifetime ms.
 * Returns {'entry', json}, {'locked', generation} (the caller loads) or {'busy'} (another replica loads).
 */
export const ACQUIRE = `
local raw = redis.call('GET', KEYS[1])
if raw then return {'entry', raw} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then
  return {'locked', redis.call('GET', KEYS[3]) or '0'}
end
return {'busy'}
`;

/**
 * Stores a freshly loaded entry unless a worker changed a node since the load began (the generation
 * moved on: the load may predate that change), then releases the loader's lock if it still holds it.
 * KEYS: entry, generation, lock. ARGV: generation seen before the load, entry JSON, lifetime ms, lock token.
 * Returns 1 when stored.
 */
export const STORE_ENTRY = `
local stored = 0
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  stored = 1
end
if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then
  redis.call('DEL', KEYS[3])
end
return stored
`;

/**
 * A worker saw a node's status: the cached list gets it (keeping its lifetime), or is dropped when it does
 * not hold that node; either way the generation moves on, so a load that began earlier does not overwrite it.
 * KEYS: entry, generation. ARGV: server id, status, task state ('' for none), generation lifetime ms.
 * Returns 0 when the cached list already said so, 1 when it was updated, 2 otherwise.
 */
export const OBSERVE_NODE = `
local raw = redis.call('GET', KEYS[1])
if raw then
  local entry = cjson.decode(raw)
  if type(entry.nodes) == 'table' then
    for _, node in ipairs(entry.nodes) do
      if node.serverId == ARGV[1] then
        local task = node.taskState
        if task == cjson.null or task == nil then task = '' end
        if node.status == ARGV[2] and task == ARGV[3] then return 0 end
        node.status = ARGV[2]
        if ARGV[3] == '' then node.taskState = cjson.null else node.taskState = ARGV[3] end
        redis.call('SET', KEYS[1], cjson.encode(entry), 'KEEPTTL')
        redis.call('INCR', KEYS[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[4])
        return 1
      end
    end
  end
  redis.call('DEL', KEYS[1])
end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 2
`;

/**
 * A worker listed the whole cluster just now: the list replaces the entry (for a full lifetime) and the
 * generation moves on, so a load that began earlier does not overwrite it.
 * KEYS: entry, generation. ARGV: entry JSON, lifetime ms, generation lifetime ms.
 */
export const PUT_ENTRY = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
`;

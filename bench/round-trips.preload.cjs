// `BENCH_GATEWAY_NODE_OPTIONS="-r ./bench/round-trips.preload.cjs"`: counts the gateway's Postgres statements and
// Redis commands (by their text's start, or a script's first key), written as JSON to `round-trips-<pid>.json` in the working
// directory on every SIGWINCH (the counts so far; not SIGUSR2, which Nest takes as a shutdown), so a script can take the difference over a measured load.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (`-r`), loaded before any loader */
const { writeFileSync } = require('node:fs');

const counts = {};
const count = (name) => (counts[name] = (counts[name] ?? 0) + 1);

function countPg(pg) {
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (text, ...rest) {
    const sql = typeof text === 'string' ? text : (text?.text ?? '');
    count(`pg ${sql.replace(/\s+/g, ' ').trim().slice(0, 60)}`);
    return query.apply(this, [text, ...rest]);
  };
}

function countRedis(Redis) {
  const sendCommand = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (command, ...rest) {
    // A script call is named by its first key (BullMQ's `wait`, say), not by EVALSHA.
    const name = command?.name ?? '?';
    const script = /^eval/i.test(name) ? ` ${String(command.args?.[2] ?? '').replace(/^.*:/, '')}` : '';
    count(`redis ${name}${script}`);
    return sendCommand.apply(this, [command, ...rest]);
  };
}

// Patched where the application first loads them (loading them here, before the application, upsets TypeORM).
const Module = require('node:module');
const load = Module._load;
const patched = new Set();
Module._load = function (request, ...rest) {
  const loaded = load.apply(this, [request, ...rest]);
  if ((request === 'pg' || request === 'ioredis') && !patched.has(loaded)) {
    patched.add(loaded);
    if (request === 'pg') countPg(loaded);
    else countRedis(loaded.default ?? loaded);
  }
  return loaded;
};

process.on('SIGWINCH', () => writeFileSync(`${process.cwd()}/round-trips-${process.pid}.json`, JSON.stringify(counts)));

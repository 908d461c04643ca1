import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The first port the kernel hands to outgoing connections (Linux's `ip_local_port_range`, 32768 by default).
 * A port below it is never taken by a client socket between the moment a test picks it and the moment its
 * process listens on it, which a port the kernel chose (`listen(0)`) can be: every connection to Postgres or
 * Redis meanwhile takes an ephemeral port, and a gateway then failed to start with EADDRINUSE.
 */
function firstEphemeralPort(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 12000 ? first : 32768;
  } catch {
    return 32768;
  }
}

/**
 * The range tests take ports from: below the ephemeral ports with room for a Redis Cluster node's bus port
 * (port + 10000), and above the Fetch standard's "bad ports" (the highest is 10080), which Node's fetch refuses.
 */
const LAST = firstEphemeralPort() - 10001;
const FIRST = Math.max(10081, LAST - 8000);
/** Ports this process handed out already: two callers never get the same one before either listens on it. */
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that is free, that no other caller in this process was given, and that no client takes. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST}`);
}

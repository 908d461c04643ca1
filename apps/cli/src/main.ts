#!/usr/bin/env node
// `oshift`: the customers' command line for the self-service API (a standalone package: see ../README.md).
import { environment } from './cli.config';
import { runCli } from './cli.program';

// `oshift nodes | head -1` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

void runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: environment(),
}).then((code) => process.stdout.write('', () => process.exit(code)));

import 'reflect-metadata';
import { AdminCli } from './admin.cli';
import { loadAdminConfig } from './admin.config';

async function main(): Promise<void> {
  const cli = new AdminCli({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, () =>
    loadAdminConfig(),
  );
  const status = await cli.run(process.argv.slice(2));
  // Exit once output is flushed: a paused terminal or a closing pool must not keep the shell waiting.
  process.stdout.write('', () => process.exit(status));
}

void main();

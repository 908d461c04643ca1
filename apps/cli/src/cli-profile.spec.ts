import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFile, loadProfile } from './cli-profile';
import { CliError, EXIT } from './exit-codes';

describe('configFile', () => {
  it('is under XDG_CONFIG_HOME when it is absolute, else under ~/.config', () => {
    expect(configFile({ configHome: '/etc/xdg-alice', home: '/home/alice' })).toBe('/etc/xdg-alice/oshift/config.yaml');
    expect(configFile({ home: '/home/alice' })).toBe('/home/alice/.config/oshift/config.yaml');
    expect(configFile({ configHome: '', home: '/home/alice' })).toBe('/home/alice/.config/oshift/config.yaml');
    // The XDG rules: a relative path is invalid and ignored.
    expect(configFile({ configHome: 'relative', home: '/home/alice' })).toBe('/home/alice/.config/oshift/config.yaml');
  });
});

describe('loadProfile', () => {
  let dir: string;
  let file: string;
  const write = (text: string, mode = 0o600) => {
    writeFileSync(file, text);
    chmodSync(file, mode);
  };
  /** The usage error (exit 2) loading throws, as the user reads it. */
  const refusal = (requested?: string) => {
    try {
      loadProfile(file, requested);
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(EXIT.usage);
      return (error as CliError).message;
    }
    throw new Error('loaded');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'oshift-config-'));
    mkdirSync(join(dir, 'oshift'));
    file = join(dir, 'oshift', 'config.yaml');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const CONFIG = `# two clouds, as clouds.yaml would have them
current-profile: prod
profiles:
  prod:
    url: https://self-service.example.com
    cluster: mycompany.cor00005.cna.ukcloud.com
    user: alice
  staging:
    url: "https://staging.example.com"   # quoted or not, YAML says the same
    cluster: 'staging.example.com'
    token: eyJhbGciOi
`;

  it('gives the profile asked for, else the current one, else none', () => {
    write(CONFIG);
    expect(loadProfile(file, 'staging')).toEqual({
      name: 'staging',
      file,
      settings: { url: 'https://staging.example.com', cluster: 'staging.example.com', token: 'eyJhbGciOi' },
    });
    expect(loadProfile(file, undefined)?.settings).toEqual({
      url: 'https://self-service.example.com',
      cluster: 'mycompany.cor00005.cna.ukcloud.com',
      user: 'alice',
    });
    write('profiles:\n  prod:\n    user: alice\n');
    expect(loadProfile(file, undefined)).toBeUndefined();
  });

  it('needs no file unless a profile is asked for', () => {
    expect(loadProfile(file, undefined)).toBeUndefined();
    expect(refusal('prod')).toBe(`profile "prod" asked for, but there is no ${file}`);
  });

  it('names the profiles there are when the one asked for is not', () => {
    write(CONFIG);
    expect(refusal('dev')).toBe(`${file}: no profile "dev" (profiles: prod, staging)`);
  });

  it('refuses a typo rather than ignore it, and says where YAML breaks', () => {
    write('profiles:\n  prod:\n    ulr: https://x.example\n');
    expect(refusal('prod')).toBe(
      `${file}: profile "prod": unknown setting ulr (settings: url, cluster, user, password, token)`,
    );
    write('current_profile: prod\n');
    expect(refusal()).toBe(`${file}: unknown key current_profile`);
    write('profiles:\n  prod:\n    url: [1, 2]\n');
    expect(refusal('prod')).toBe(`${file}: profile "prod": url must be a string`);
    write('profiles:\n  prod:\n    url: "unterminated\n');
    expect(refusal('prod')).toMatch(
      new RegExp(`^${file.replace(/[.]/g, '\\.')} is not YAML: .+ at line \\d+, column \\d+`),
    );
  });

  it('holds a password or token only in a file no one else may read', () => {
    write(CONFIG, 0o644);
    expect(refusal('staging')).toBe(`${file} holds a password or token and others may read it: chmod 600 ${file}`);
    // Without a secret the file may be readable (it says where, not who).
    expect(loadProfile(file, 'prod')?.name).toBe('prod');
    chmodSync(file, 0o600);
    expect(loadProfile(file, 'staging')?.settings.token).toBe('eyJhbGciOi');
  });
});

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { usageError } from './exit-codes';

/** What a profile may set: the same settings as the flags and `OSHIFT_*` variables, which win over it. */
export const PROFILE_SETTINGS = ['url', 'cluster', 'user', 'password', 'token'] as const;
export type ProfileSettings = Partial<Record<(typeof PROFILE_SETTINGS)[number], string>>;

/** A profile of the config file, by name. */
export interface Profile {
  name: string;
  /** The file it came from. */
  file: string;
  settings: ProfileSettings;
}

/**
 * `$XDG_CONFIG_HOME/oshift/config.yaml`, else `~/.config/oshift/config.yaml` (the XDG base directory rules: a
 * relative XDG_CONFIG_HOME is ignored).
 */
export function configFile(env: { configHome?: string; home: string }): string {
  const base = env.configHome && isAbsolute(env.configHome) ? env.configHome : join(env.home, '.config');
  return join(base, 'oshift', 'config.yaml');
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The config file as read: its profiles by name (not yet checked) and its `current-profile`. */
interface ConfigFile {
  profiles: Record<string, unknown>;
  current?: string;
}

/**
 * The config file, undefined when there is none. A YAML parser reads it, since people write it by hand:
 * comments, quoting and the rest of YAML mean what they mean. A file that does not say what it should is a
 * usage error naming it, never ignored.
 */
function readConfig(file: string): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw usageError(`${file}: ${(error as Error).message}`);
    return undefined;
  }
  let config: unknown;
  try {
    config = parse(text) ?? {};
  } catch (error) {
    throw usageError(`${file} is not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isMapping(config)) throw usageError(`${file}: expected "profiles:" and "current-profile:"`);
  const unknownTop = Object.keys(config).filter((key) => key !== 'profiles' && key !== 'current-profile');
  if (unknownTop.length > 0) throw usageError(`${file}: unknown key ${unknownTop.join(', ')}`);
  const profiles = config.profiles ?? {};
  if (!isMapping(profiles)) throw usageError(`${file}: "profiles" must map names to profiles`);
  const current = config['current-profile'];
  if (current !== undefined && typeof current !== 'string')
    throw usageError(`${file}: "current-profile" must be a name`);
  return { profiles, current };
}

/** The names of the file's profiles, for completion: none when the file is missing or unreadable. */
export function profileNames(file: string): string[] {
  try {
    return Object.keys(readConfig(file)?.profiles ?? {});
  } catch {
    return [];
  }
}

/**
 * The profile `requested` (`--profile`, else OSHIFT_PROFILE), else the file's `current-profile`, from `file`;
 * undefined when none is named (or there is no file and none was asked for). A typo in a key, a profile that is
 * not there, is a usage error naming the file. A profile that holds a password or token must be in a file only
 * its owner can read, as ssh asks of its keys.
 */
export function loadProfile(file: string, requested: string | undefined): Profile | undefined {
  const config = readConfig(file);
  if (!config) {
    if (requested) throw usageError(`profile "${requested}" asked for, but there is no ${file}`);
    return undefined;
  }
  const { profiles, current } = config;
  const name = requested || current;
  if (!name) return undefined;
  const settings = profiles[name];
  if (!isMapping(settings)) {
    const names = Object.keys(profiles);
    throw usageError(`${file}: no profile "${name}" (${names.length ? `profiles: ${names.join(', ')}` : 'none'})`);
  }
  for (const [key, value] of Object.entries(settings)) {
    if (!(PROFILE_SETTINGS as readonly string[]).includes(key)) {
      throw usageError(`${file}: profile "${name}": unknown setting ${key} (settings: ${PROFILE_SETTINGS.join(', ')})`);
    }
    if (typeof value !== 'string') throw usageError(`${file}: profile "${name}": ${key} must be a string`);
  }
  if ((settings.password !== undefined || settings.token !== undefined) && (statSync(file).mode & 0o077) !== 0) {
    throw usageError(`${file} holds a password or token and others may read it: chmod 600 ${file}`);
  }
  return { name, file, settings: settings as ProfileSettings };
}

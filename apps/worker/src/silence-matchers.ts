/** One Alertmanager matcher, as API v2 takes it. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** The default matchers of a reboot's silence: the node's own alerts, and those of any of its exporters. */
export const DEFAULT_SILENCE_MATCHERS = 'node="{node}",instance=~"{node}(:.*)?"';

const MATCHER = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;

/**
 * Parses the operator's matchers (ALERTMANAGER_SILENCE_MATCHERS): Alertmanager's own syntax, comma-separated
 * `name="value"`, `name!="value"`, `name=~"regex"` or `name!~"regex"`, where `{node}` stands for the node's
 * name (regex-escaped in a regex). Throws a readable error on anything else.
 */
export function parseSilenceMatchers(text: string): SilenceMatcher[] {
  const matchers: SilenceMatcher[] = [];
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < text.length) {
    const at = MATCHER.lastIndex;
    const match = MATCHER.exec(text);
    if (!match)
      throw new Error(`not a matcher at character ${at + 1} (use name="value" or name=~"regex", comma-separated)`);
    const [, name, operator, quoted, separator] = match;
    matchers.push({
      name: name!,
      value: quoted!.replace(/\\(.)/g, '$1'),
      isRegex: operator!.includes('~'),
      isEqual: !operator!.startsWith('!'),
    });
    if (separator === '') break;
  }
  if (matchers.length === 0) throw new Error('at least one matcher is needed');
  if (!matchers.some((matcher) => matcher.isEqual)) throw new Error('at least one matcher must be = or =~');
  return matchers;
}

/** A regular expression that matches `text` and nothing else (Alertmanager's regexes are anchored). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** The matchers for one node: `{node}` replaced by its name (escaped in regex matchers). */
export function matchersFor(templates: readonly SilenceMatcher[], node: string): SilenceMatcher[] {
  return templates.map((matcher) => ({
    ...matcher,
    value: matcher.value.split('{node}').join(matcher.isRegex ? escapeRegex(node) : node),
  }));
}

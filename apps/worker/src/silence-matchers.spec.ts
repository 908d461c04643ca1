import { DEFAULT_SILENCE_MATCHERS, matchersFor, parseSilenceMatchers } from './silence-matchers';

describe('silence matchers', () => {
  it('default to the node label and the node as instance, with its name escaped in the regex', () => {
    expect(matchersFor(parseSilenceMatchers(DEFAULT_SILENCE_MATCHERS), 'worker-0.openstacklocal')).toEqual([
      { name: 'node', value: 'worker-0.openstacklocal', isRegex: false, isEqual: true },
      { name: 'instance', value: 'worker-0\\.openstacklocal(:.*)?', isRegex: true, isEqual: true },
    ]);
  });

  it('take every operator of Alertmanager, spaces and escaped quotes', () => {
    expect(parseSilenceMatchers(' host = "{node}" , severity!~"info|none", team!="a\\"b"')).toEqual([
      { name: 'host', value: '{node}', isRegex: false, isEqual: true },
      { name: 'severity', value: 'info|none', isRegex: true, isEqual: false },
      { name: 'team', value: 'a"b', isRegex: false, isEqual: false },
    ]);
  });

  it('refuse text that is not matchers, or only negative ones', () => {
    expect(() => parseSilenceMatchers('node={node}')).toThrow('not a matcher at character 1');
    expect(() => parseSilenceMatchers('node="x",instance=y')).toThrow('not a matcher at character 10');
    expect(() => parseSilenceMatchers('')).toThrow('at least one matcher is needed');
    expect(() => parseSilenceMatchers('node!="x"')).toThrow('at least one matcher must be = or =~');
  });
});

import { StreamLimitError } from './stream-limit.error';
import { StreamSlots } from './stream-slots';

const refusal = (take: () => unknown) => {
  try {
    take();
    return 'taken';
  } catch (error) {
    return error instanceof StreamLimitError ? `${error.scope}: ${error.message}` : String(error);
  }
};

describe('StreamSlots', () => {
  it('caps the streams of each user and of the whole gateway, and gives a place back once', () => {
    const slots = new StreamSlots({ streams: { maxPerUser: 2, maxPerProcess: 3 } });
    const alice = [slots.take('alice'), slots.take('alice')];
    expect(refusal(() => slots.take('alice'))).toBe('user: Too many event streams open for this user');
    // The same bare name from SSO is another user.
    slots.take('sso:alice');
    expect(refusal(() => slots.take('bob'))).toBe('process: Too many event streams open, try again later');
    alice[0]();
    alice[0]();
    expect([slots.held('alice'), slots.held()]).toEqual([1, 2]);
    expect(refusal(() => slots.take('bob'))).toBe('taken');
    expect(refusal(() => slots.take('alice'))).toBe('process: Too many event streams open, try again later');
    alice[1]();
    expect([slots.held('alice'), slots.held()]).toEqual([0, 2]);
  });
});

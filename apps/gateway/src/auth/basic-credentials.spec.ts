import { basicCredentials } from './basic-credentials';

const header = (raw: string) => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;

describe('basicCredentials', () => {
  it('splits at the first colon and keeps colons in the password', () => {
    expect(basicCredentials(header('alice:s3:cr:et'))).toEqual({ username: 'alice', password: 's3:cr:et' });
    expect(basicCredentials(header('alice:pässwörd'))).toEqual({ username: 'alice', password: 'pässwörd' });
    expect(basicCredentials(`basic ${Buffer.from('bob:x').toString('base64')}`)).toEqual({
      username: 'bob',
      password: 'x',
    });
  });

  it.each([
    [undefined],
    [''],
    ['Basic'],
    ['Bearer abc'],
    ['NotBasic ' + Buffer.from('a:b').toString('base64')],
    ['Basic !!!'],
    [header('no-colon')],
    [header(':password-without-user')],
    [header('user-without-password:')],
  ])('refuses %p', (value) => {
    expect(basicCredentials(value)).toBeNull();
  });
});

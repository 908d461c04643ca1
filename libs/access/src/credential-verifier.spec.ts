import { performance } from 'node:perf_hooks';
import type { AccessRepository } from './access.repository';
import { CredentialVerifier } from './credential-verifier';
import { PasswordHasher } from './password-hasher';
import { SignInBusyError } from './verification-queue';
import type { UserEntity } from './user.entity';

/** One stored user, as the repository would read it from Postgres. */
function repositoryWith(users: Partial<UserEntity>[]) {
  const repository = {
    findUserByUsername: jest.fn(
      async (username: string) => (users.find((user) => user.username === username) ?? null) as UserEntity | null,
    ),
    grantsOf: jest.fn(async () => new Map([['c1.example.test', ['read' as const]]])),
  };
  return repository as typeof repository & AccessRepository;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('CredentialVerifier', () => {
  const hasher = new PasswordHasher();
  const options = {
    credentialCacheTtlMs: 60_000,
    credentialCacheMaxEntries: 100,
    passwordVerification: { concurrency: 2, maxWaiting: 16, maxWaitMs: 1000 },
  };
  let users: Partial<UserEntity>[];

  beforeAll(async () => {
    users = [
      { id: 'u1', username: 'alice', passwordHash: await hasher.hash('alice password'), disabled: false },
      { id: 'u2', username: 'dora', passwordHash: await hasher.hash('dora password'), disabled: true },
    ];
  });

  it('refuses unknown user, wrong password and disabled user alike, each after one argon2 verification', async () => {
    const verify = jest.spyOn(hasher, 'verify');
    const verifier = new CredentialVerifier(repositoryWith(users), hasher, options);
    expect(await verifier.check('nobody', 'alice password')).toEqual({ ok: false, failure: 'unknown user' });
    expect(await verifier.check('alice', 'wrong password')).toEqual({ ok: false, failure: 'wrong password' });
    expect(await verifier.check('dora', 'dora password')).toEqual({ ok: false, failure: 'disabled' });
    expect(await verifier.verify('nobody', 'x')).toBeNull();
    expect(verify).toHaveBeenCalledTimes(4);
    // The unknown user is verified against the dummy hash, not skipped.
    expect(verify.mock.calls[0][0]).toBeNull();
    verify.mockRestore();
  });

  it('takes about as long for an unknown user as for a wrong password', async () => {
    const verifier = new CredentialVerifier(repositoryWith(users), hasher, options);
    await verifier.check('nobody', 'warm up');
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let round = 0; round < 7; round += 1) {
      // Interleaved, so a slow moment of the machine hits both paths alike.
      let start = performance.now();
      await verifier.check(`nobody-${round}`, `guess ${round}`);
      unknown.push(performance.now() - start);
      start = performance.now();
      await verifier.check('alice', `guess ${round}`);
      wrong.push(performance.now() - start);
    }
    const [unknownMs, wrongMs] = [median(unknown), median(wrong)];
    // Both pay for an argon2id verification (milliseconds); neither returns early.
    expect(Math.min(unknownMs, wrongMs)).toBeGreaterThan(1);
    expect(unknownMs / wrongMs).toBeGreaterThan(1 / 3);
    expect(unknownMs / wrongMs).toBeLessThan(3);
  });

  it('caches a verified credential, and forgets it when told the user changed', async () => {
    const repository = repositoryWith(users);
    const verifier = new CredentialVerifier(repository, hasher, options);
    expect((await verifier.verify('alice', 'alice password'))?.username).toBe('alice');
    expect((await verifier.verify('alice', 'alice password'))?.username).toBe('alice');
    expect(repository.findUserByUsername).toHaveBeenCalledTimes(1);
    verifier.forgetUser('u1');
    await verifier.verify('alice', 'alice password');
    expect(repository.findUserByUsername).toHaveBeenCalledTimes(2);
    verifier.forgetAll();
    await verifier.verify('alice', 'alice password');
    expect(repository.findUserByUsername).toHaveBeenCalledTimes(3);
  });

  it('does not cache what it read before a change it was told about mid-check', async () => {
    const repository = repositoryWith(users);
    const verifier = new CredentialVerifier(repository, hasher, options);
    repository.grantsOf.mockImplementationOnce(async () => {
      verifier.forgetUser('u1');
      return new Map();
    });
    expect((await verifier.verify('alice', 'alice password'))?.username).toBe('alice');
    await verifier.verify('alice', 'alice password');
    expect(repository.findUserByUsername).toHaveBeenCalledTimes(2);
  });

  it('answers credentials verified before at once, even while the verification queue is full', async () => {
    const verifier = new CredentialVerifier(repositoryWith(users), hasher, {
      ...options,
      passwordVerification: { concurrency: 1, maxWaiting: 1, maxWaitMs: 5000 },
    });
    expect((await verifier.check('alice', 'alice password')).ok).toBe(true);
    const flood = Array.from({ length: 4 }, (_, i) =>
      verifier.check('alice', `guess ${i}`).then(
        (result) => (result.ok ? 'ok' : result.failure),
        (error: unknown) => (error instanceof SignInBusyError ? 'busy' : String(error)),
      ),
    );
    const started = performance.now();
    expect(await verifier.check('alice', 'alice password')).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(5);
    // One verified, one waited its turn, the other two were refused at once.
    expect((await Promise.all(flood)).sort()).toEqual(['busy', 'busy', 'wrong password', 'wrong password']);
  });
  it('verifies the same credentials sent at once only once, holding one place in the queue', async () => {
    const verify = jest.spyOn(hasher, 'verify');
    const verifier = new CredentialVerifier(repositoryWith(users), hasher, {
      ...options,
      passwordVerification: { concurrency: 1, maxWaiting: 1, maxWaitMs: 5000 },
    });
    // Fifty requests of one script with a password not yet cached: all signed in, none refused as busy.
    const burst = await Promise.all(Array.from({ length: 50 }, () => verifier.check('alice', 'alice password')));
    expect(burst.map((result) => (result.ok ? result.principal.username : result.failure))).toEqual(
      Array(50).fill('alice'),
    );
    expect(verify).toHaveBeenCalledTimes(1);
    verify.mockRestore();
  });
});

import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/** argon2id with OWASP's first recommended setting (19 MiB, 2 iterations, 1 lane). */
const PARAMETERS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Hashes and verifies passwords with argon2id. */
@Injectable()
export class PasswordHasher {
  /** A hash of a random password, verified when the user does not exist so both answers take as long. */
  private readonly dummy = hash(`dummy-${Math.random()}`, PARAMETERS);

  hash(password: string): Promise<string> {
    return hash(password, PARAMETERS);
  }

  /** True when `password` matches `encoded`; never throws on a malformed hash. */
  async verify(encoded: string | null, password: string): Promise<boolean> {
    if (!encoded) {
      await verify(await this.dummy, password).catch(() => false);
      return false;
    }
    return verify(encoded, password).catch(() => false);
  }
}

import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BasicStrategy as PassportBasicStrategy } from 'passport-http';
import { CredentialVerifier, type Principal } from '@oshift/access';

/** HTTP Basic against the users in Postgres (passport-http). */
@Injectable()
export class BasicStrategy extends PassportStrategy(PassportBasicStrategy, 'basic') {
  constructor(private readonly verifier: CredentialVerifier) {
    super();
  }

  async validate(username: string, password: string): Promise<Principal | false> {
    return (await this.verifier.verify(username, password)) ?? false;
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { ACCESS_OPTIONS, type AccessOptions } from './access.options';
import { CredentialVerifier } from './credential-verifier';
import { AccessRepository } from './access.repository';
import { PasswordHasher } from './password-hasher';

/** Users, grants and credential checks for a process that authenticates callers. */
@Module({})
export class AccessModule {
  static forRoot(options: AccessOptions): DynamicModule {
    return {
      module: AccessModule,
      providers: [{ provide: ACCESS_OPTIONS, useValue: options }, AccessRepository, PasswordHasher, CredentialVerifier],
      exports: [CredentialVerifier, PasswordHasher, AccessRepository],
    };
  }
}

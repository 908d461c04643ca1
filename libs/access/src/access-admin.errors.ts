/** A user or grant change was refused; `message` is one line, fit for an operator, never holding a password. */
export class AccessAdminError extends Error {
  override readonly name: string = 'AccessAdminError';
}

export class UnknownUserError extends AccessAdminError {
  override readonly name = 'UnknownUserError';
  constructor(readonly username: string) {
    super(`unknown user ${username}`);
  }
}

export class UnknownClusterError extends AccessAdminError {
  override readonly name = 'UnknownClusterError';
  constructor(readonly clusterId: string) {
    super(`unknown cluster ${clusterId}`);
  }
}

export class UserExistsError extends AccessAdminError {
  override readonly name = 'UserExistsError';
  constructor(readonly username: string) {
    super(`user ${username} already exists`);
  }
}

export class InvalidUsernameError extends AccessAdminError {
  override readonly name = 'InvalidUsernameError';
  constructor() {
    super('invalid username: 1 to 128 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit');
  }
}

export class InvalidRoleError extends AccessAdminError {
  override readonly name = 'InvalidRoleError';
  constructor() {
    super('invalid role: use read or reboot');
  }
}

export class WeakPasswordError extends AccessAdminError {
  override readonly name = 'WeakPasswordError';
  constructor(readonly minLength: number) {
    super(`password too short: at least ${minLength} characters`);
  }
}

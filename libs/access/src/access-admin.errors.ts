/** A user or grant change was refused; `message` is one line, fit for an operator, never holding a password. */
export class AccessAdminError extends Error {
  /** The class's own name (`UnknownUserError`, …), so the subclasses need not repeat it. */
  override get name(): string {
    return this.constructor.name;
  }
}

export class UnknownUserError extends AccessAdminError {
  constructor(readonly username: string) {
    super(`unknown user ${username}`);
  }
}

export class UnknownClusterError extends AccessAdminError {
  constructor(readonly clusterId: string) {
    super(`unknown cluster ${clusterId}`);
  }
}

export class UserExistsError extends AccessAdminError {
  constructor(readonly username: string) {
    super(`user ${username} already exists`);
  }
}

export class InvalidUsernameError extends AccessAdminError {
  constructor() {
    super('invalid username: 1 to 128 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit');
  }
}

export class InvalidRoleError extends AccessAdminError {
  constructor() {
    super('invalid role: use read or reboot');
  }
}

export class WeakPasswordError extends AccessAdminError {
  constructor(readonly minLength: number) {
    super(`password too short: at least ${minLength} characters`);
  }
}

import { Controller, Get } from '@nestjs/common';
import { isAllowed, type Principal, RolePermissions, Roles, type Role } from '@oshift/access';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { SignedIn } from '../auth/requires.decorator';
import { ApiMe } from './me.api-docs';

/** `GET /api/me`: who the caller is and what they may do on which cluster. */
export interface Me {
  user: string;
  clusters: { id: string; roles: Role[] }[];
}

@Controller('api')
export class MeController {
  /**
   * The caller (Basic or SSO alike) and their clusters, by id, each with every role whose permissions the
   * caller holds there (`reboot` includes reading, so a reboot grant answers `["read", "reboot"]`).
   */
  @Get('me')
  @SignedIn()
  @ApiMe()
  me(@CurrentPrincipal() principal: Principal): Me {
    const clusters = [...principal.grants]
      .filter(([, roles]) => roles.length > 0)
      .map(([id, roles]) => ({
        id,
        roles: Roles.filter((role) => RolePermissions[role].every((permission) => isAllowed(roles, permission))),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { user: principal.username, clusters };
  }
}

import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/requires.decorator';
import { AnyQueryParameters } from '../http/query-parameters.decorator';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { type WebAsset, WebAssets } from './web-assets';

/**
 * The page may load only its own scripts and styles, and call only this API (and the SSO issuer, for
 * discovery and the token exchange); no inline code, no frames, no plugins.
 */
function contentSecurityPolicy(issuer: string | undefined): string {
  const connect = ["'self'", ...(issuer ? [new URL(issuer).origin] : [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${connect}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Serves the customers' web page at `/` (public: the page signs in against the API itself). */
@Controller()
@Public()
@AnyQueryParameters()
@ApiExcludeController()
export class WebPageController {
  private readonly headers: Record<string, string>;
  private readonly webConfig: string;

  constructor(
    private readonly assets: WebAssets,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    const oidc = config.auth.oidc;
    this.headers = {
      'content-security-policy': contentSecurityPolicy(oidc?.issuer),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      // Names carry no version, so browsers keep copies but ask each time (a 304 when unchanged).
      'cache-control': 'no-cache',
    };
    const sso =
      oidc && config.web.ssoClientId
        ? { issuer: oidc.issuer, clientId: config.web.ssoClientId, audience: oidc.audience }
        : null;
    this.webConfig = JSON.stringify({ sso });
  }

  @Get()
  index(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.send(this.assets.get('index.html'), request, reply);
  }

  /** What the page needs to know about this deployment: whether and where SSO signs in. */
  @Get('web-config.json')
  config(@Res() reply: FastifyReply): void {
    void reply.headers({ ...this.headers, 'content-type': 'application/json; charset=utf-8' }).send(this.webConfig);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.send(name === 'index.html' ? undefined : this.assets.get(name), request, reply);
  }

  private send(asset: WebAsset | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!asset) throw new NotFoundException(); // answered as any unknown route: 404 {"error":"Not Found"}
    void reply.headers({ ...this.headers, etag: asset.etag });
    if (request.headers['if-none-match'] === asset.etag) return void reply.status(304).send();
    void reply.type(asset.contentType).send(asset.body);
  }
}

import { type ExecutionContext, createParamDecorator } from '@nestjs/common';

/** Who makes an HTTP request: the user and tenant of a verified access token. */
export interface Caller {
  tenantId: string;
  userId: string;
}

export const CALLER = Symbol('caller');

export type AuthenticatedRequest = { [CALLER]?: Caller };

/** The verified caller of the request (set by {@link AuthGuard}). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<AuthenticatedRequest>()[CALLER];
  if (!caller) throw new Error('CurrentCaller used on a route without AuthGuard');
  return caller;
});

/** Injection tokens of what the kit provides. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_INFO = Symbol('SERVICE_INFO');
export const NATS_CLIENT = Symbol('NATS_CLIENT');
export const REDIS = Symbol('REDIS');
export const PG_POOL = Symbol('PG_POOL');

export interface ServiceInfo {
  name: string;
  version: string;
  instanceId: string;
}

export * from './errors';
export * from './heartbeat';
export * from './ids';
export * from './protocol';
export * from './reply';
export * from './subjects';
export * from './tokens';
export * from './validation';

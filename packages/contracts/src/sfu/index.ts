export * from './control';
export * from './events';
export * from './liveness';
export * from './media-types';

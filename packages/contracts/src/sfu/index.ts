export * from './control';
export * from './events';
export * from './media-types';

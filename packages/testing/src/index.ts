export * from './infrastructure';
export * from './net';
export * from './service-boot';
export * from './service-process';
export * from './tcp-proxy';

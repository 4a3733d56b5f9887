export * from './activity';
export * from './chat';
export * from './invitations';
export * from './join';
export * from './membership';
export * from './presence';
export * from './rooms';

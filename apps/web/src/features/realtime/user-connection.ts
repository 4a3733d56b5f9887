// The SDK's user connection on its own, so that the lobby can load it lazily.
export { UserConnection } from '@cascade/client';

// A local OAuth 2.0 / OpenID provider standing in for Google (oauth2-mock-server is ESM-only,
// so it runs as its own process). Prints `{"url": ...}` once listening. Every /userinfo answer
// is the JSON in PROFILE_FILE, read at request time, so a test chooses who signs in.
import { readFileSync } from 'node:fs';

import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
server.service.on('beforeUserinfo', (response) => {
  response.body = JSON.parse(readFileSync(process.env.PROFILE_FILE, 'utf8'));
});
await server.start(0, '127.0.0.1');
const { port } = server.address();
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n');
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));

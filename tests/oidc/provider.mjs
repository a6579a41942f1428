// A bank's identity provider for the sign-in tests: the certified `oidc-provider` package, configured from a
// JSON file named on the command line, serving discovery, JWKS, the authorization endpoint with its own login
// form, the token endpoint and RP-initiated logout. It prints "listening" once it answers.
//
// config: {issuer, port, clients: [{client_id, client_secret, redirect_uris, post_logout_redirect_uris,
//          id_token_seconds?}], users: {name: {roles: [...], department: "..."}}}
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
const ttlFor = Object.fromEntries(config.clients.map((c) => [c.client_id, c.id_token_seconds || 3600]));

const provider = new Provider(config.issuer, {
  clients: config.clients.map(({ id_token_seconds, ...client }) => ({
    grant_types: ['authorization_code'], response_types: ['code'], ...client })),
  jwks: { keys: [signing] },
  cookies: { keys: ['a test provider\'s cookie key'] },
  pkce: { required: () => true },
  // The claims a bank maps to roles and departments, in the ID token itself.
  claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'roles', 'department'] },
  conformIdTokenClaims: false,
  ttl: { IdToken: (ctx, token, client) => ttlFor[client.clientId] || 3600 },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const user = config.users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: id, roles: user.roles, department: user.department };
      },
    };
  },
  // Staff applications are first-party: no consent screen, the grant is the bank's.
  async loadExistingGrant(ctx) {
    const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

// "localhost" is the issuer's host: answer on both loopback addresses it may resolve to, and nowhere else.
let listening = 0;
for (const host of ['127.0.0.1', '::1']) {
  http.createServer(provider.callback()).listen(config.port, host, () => {
    listening += 1;
    if (listening === 2) process.stdout.write('listening\n');
  });
}

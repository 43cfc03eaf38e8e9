// Generic OpenID Connect (`oidc`, `oidc2`, `oidc3`): endpoints as configured, or discovered from
// `extra.issuer`. An id_token, when sent and checkable, is verified; the identity comes from the
// userinfo endpoint when there is one (its `sub` must match the id_token's), else from the id_token.
import { getObject, ProviderError } from '../http.js';
import { text, truthy, type ProviderFamily } from './types.js';

export const oidc: ProviderFamily = {
  displayName: 'OpenID Connect',
  authURL: '',
  tokenURL: '',
  userInfoURL: '',
  scopes: ['openid', 'email', 'profile'],
  pkce: true,
  discoverable: true,
  async fetchUser(tokens, { provider, http, idTokens }) {
    const canCheck = provider.jwksURL !== '' && provider.issuers.length > 0;
    const claims = tokens.idToken !== '' && (canCheck || provider.userInfoURL === '')
      ? await idTokens.verify(tokens.idToken, { jwksURL: provider.jwksURL, issuers: provider.issuers, audience: provider.clientId })
      : null;
    let raw: Readonly<Record<string, unknown>>;
    if (provider.userInfoURL !== '') {
      raw = await getObject(http, provider.userInfoURL, tokens.accessToken);
      if (claims && text(raw, 'sub') !== text(claims, 'sub')) throw new ProviderError('The userinfo subject differs from the id_token subject.');
    } else if (claims) {
      raw = claims;
    } else {
      throw new ProviderError('No userinfo endpoint and no id_token.');
    }
    return {
      id: text(raw, 'sub'), name: text(raw, 'name'), username: text(raw, 'preferred_username'), email: text(raw, 'email'),
      emailVerified: truthy(raw.email_verified), avatarURL: text(raw, 'picture'), rawUser: raw,
    };
  },
};

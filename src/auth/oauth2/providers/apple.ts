// Sign in with Apple: no userinfo endpoint; the identity is the verified id_token. Apple posts the
// redirect as a form (`response_mode=form_post`) and sends the name only once, so it is not read here.
import { text, truthy, type ProviderFamily } from './types.js';
import { ProviderError } from '../http.js';

export const apple: ProviderFamily = {
  displayName: 'Apple',
  authURL: 'https://appleid.apple.com/auth/authorize',
  tokenURL: 'https://appleid.apple.com/auth/token',
  userInfoURL: '',
  scopes: ['name', 'email'],
  pkce: true,
  authParams: { response_mode: 'form_post' },
  jwksURL: 'https://appleid.apple.com/auth/keys',
  issuers: ['https://appleid.apple.com'],
  async fetchUser(tokens, { provider, idTokens }) {
    if (tokens.idToken === '') throw new ProviderError('Apple sent no id_token.');
    const raw = await idTokens.verify(tokens.idToken, { jwksURL: provider.jwksURL, issuers: provider.issuers, audience: provider.clientId });
    return { id: text(raw, 'sub'), name: '', username: '', email: text(raw, 'email'), emailVerified: truthy(raw.email_verified), avatarURL: '', rawUser: raw };
  },
};

// GitLab (`/api/v4/user`): the primary email counts as verified once `confirmed_at` is set.
import { getObject } from '../http.js';
import { text, type ProviderFamily } from './types.js';

export const gitlab: ProviderFamily = {
  displayName: 'GitLab',
  authURL: 'https://gitlab.com/oauth/authorize',
  tokenURL: 'https://gitlab.com/oauth/token',
  userInfoURL: 'https://gitlab.com/api/v4/user',
  scopes: ['read_user'],
  pkce: true,
  async fetchUser(tokens, { provider, http }) {
    const raw = await getObject(http, provider.userInfoURL, tokens.accessToken);
    return {
      id: text(raw, 'id'), name: text(raw, 'name'), username: text(raw, 'username'), email: text(raw, 'email'),
      emailVerified: text(raw, 'confirmed_at') !== '', avatarURL: text(raw, 'avatar_url'), rawUser: raw,
    };
  },
};

// Google: OpenID Connect userinfo (`sub`, `email_verified`, `picture`).
import { getObject } from '../http.js';
import { text, truthy, type ProviderFamily } from './types.js';

export const google: ProviderFamily = {
  displayName: 'Google',
  authURL: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenURL: 'https://oauth2.googleapis.com/token',
  userInfoURL: 'https://www.googleapis.com/oauth2/v3/userinfo',
  scopes: ['https://www.googleapis.com/auth/userinfo.profile', 'https://www.googleapis.com/auth/userinfo.email'],
  pkce: true,
  async fetchUser(tokens, { provider, http }) {
    const raw = await getObject(http, provider.userInfoURL, tokens.accessToken);
    return {
      id: text(raw, 'sub'), name: text(raw, 'name'), username: '', email: text(raw, 'email'),
      emailVerified: truthy(raw.email_verified), avatarURL: text(raw, 'picture'), rawUser: raw,
    };
  },
};

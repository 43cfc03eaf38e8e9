// Discord (`/users/@me`): `verified` covers the email; the avatar URL is built from its hash.
import { getObject } from '../http.js';
import { text, type ProviderFamily } from './types.js';

export const discord: ProviderFamily = {
  displayName: 'Discord',
  authURL: 'https://discord.com/api/oauth2/authorize',
  tokenURL: 'https://discord.com/api/oauth2/token',
  userInfoURL: 'https://discord.com/api/users/@me',
  scopes: ['identify', 'email'],
  pkce: true,
  async fetchUser(tokens, { provider, http }) {
    const raw = await getObject(http, provider.userInfoURL, tokens.accessToken);
    const id = text(raw, 'id');
    const avatar = text(raw, 'avatar');
    return {
      id, name: text(raw, 'global_name') || text(raw, 'username'), username: text(raw, 'username'), email: text(raw, 'email'),
      emailVerified: raw.verified === true,
      avatarURL: avatar !== '' ? `https://cdn.discordapp.com/avatars/${encodeURIComponent(id)}/${encodeURIComponent(avatar)}.png` : '',
      rawUser: raw,
    };
  },
};

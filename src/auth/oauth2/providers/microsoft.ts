// Microsoft Entra ID (Graph `/me`). Its `mail` is set by tenant admins and never verified, so it
// never links an existing account by itself (the "nOAuth" issue); it still fills a new record.
import { getObject } from '../http.js';
import { text, type ProviderFamily } from './types.js';

export const microsoft: ProviderFamily = {
  displayName: 'Microsoft',
  authURL: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  tokenURL: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  userInfoURL: 'https://graph.microsoft.com/v1.0/me',
  scopes: ['User.Read'],
  pkce: true,
  async fetchUser(tokens, { provider, http }) {
    const raw = await getObject(http, provider.userInfoURL, tokens.accessToken);
    return {
      id: text(raw, 'id'), name: text(raw, 'displayName'), username: '', email: text(raw, 'mail'),
      emailVerified: false, avatarURL: '', rawUser: raw,
    };
  },
};

// Facebook (Graph `/me`): it only hands out confirmed email addresses.
import { getObject, isObject } from '../http.js';
import { text, type ProviderFamily } from './types.js';

export const facebook: ProviderFamily = {
  displayName: 'Facebook',
  authURL: 'https://www.facebook.com/v17.0/dialog/oauth',
  tokenURL: 'https://graph.facebook.com/v17.0/oauth/access_token',
  userInfoURL: 'https://graph.facebook.com/me?fields=name,email,picture.type(large)',
  scopes: ['email'],
  pkce: true,
  async fetchUser(tokens, { provider, http }) {
    const raw = await getObject(http, provider.userInfoURL, tokens.accessToken);
    const picture = isObject(raw.picture) && isObject(raw.picture.data) ? text(raw.picture.data, 'url') : '';
    const email = text(raw, 'email');
    return { id: text(raw, 'id'), name: text(raw, 'name'), username: '', email, emailVerified: email !== '', avatarURL: picture, rawUser: raw };
  },
};

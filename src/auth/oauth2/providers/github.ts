// GitHub: `/user`, plus `/user/emails` for the verified primary address (a profile email may be private or unverified).
import { getJson, getObject, isObject } from '../http.js';
import { text, type ProviderFamily } from './types.js';

const EMAILS_URL = 'https://api.github.com/user/emails';

export const github: ProviderFamily = {
  displayName: 'GitHub',
  authURL: 'https://github.com/login/oauth/authorize',
  tokenURL: 'https://github.com/login/oauth/access_token',
  userInfoURL: 'https://api.github.com/user',
  scopes: ['read:user', 'user:email'],
  pkce: true,
  async fetchUser(tokens, { provider, http }) {
    const headers = { 'x-github-api-version': '2022-11-28' };
    const raw = await getObject(http, provider.userInfoURL, tokens.accessToken, headers);
    // The emails endpoint lives next to the userinfo one (GitHub Enterprise has its own host).
    const emailsURL = provider.userInfoURL === github.userInfoURL ? EMAILS_URL : new URL('user/emails', provider.userInfoURL.replace(/user\/?$/, '')).href;
    const emails: unknown = await getJson(http, emailsURL, tokens.accessToken, headers).catch(() => []);
    const list: Record<string, unknown>[] = Array.isArray(emails) ? emails.filter(isObject) : [];
    const primary = list.find((e) => e.primary === true && e.verified === true);
    const email = text(raw, 'email') || (primary ? text(primary, 'email') : '');
    const emailVerified = list.some((e) => e.verified === true && text(e, 'email').toLowerCase() === email.toLowerCase() && email !== '');
    return {
      id: text(raw, 'id'), name: text(raw, 'name'), username: text(raw, 'login'), email, emailVerified,
      avatarURL: text(raw, 'avatar_url'), rawUser: raw,
    };
  },
};

// Every provider family Mainspring knows, by the name a collection's `oauth2.providers[].name` uses.
import { apple } from './apple.js';
import { discord } from './discord.js';
import { facebook } from './facebook.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { google } from './google.js';
import { microsoft } from './microsoft.js';
import { oidc } from './oidc.js';
import type { ProviderFamily } from './types.js';

export const PROVIDERS: Readonly<Record<string, ProviderFamily>> = {
  apple, discord, facebook, github, gitlab, google, microsoft,
  // PocketBase offers three generic OIDC slots so that several such providers can coexist.
  oidc, oidc2: oidc, oidc3: oidc,
};

export function providerFamily(name: string): ProviderFamily | undefined {
  return Object.prototype.hasOwnProperty.call(PROVIDERS, name) ? PROVIDERS[name] : undefined;
}

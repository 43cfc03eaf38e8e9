// Ids in PocketBase's formats: random record ids and CRC-32 based collection/field ids.
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const RECORD_ID_LENGTH = 15;
export const RECORD_ID_PATTERN = /^[a-z0-9]{15}$/;

/** A random string over `[a-z0-9]`, from a CSPRNG. */
export function randomString(length: number, alphabet: string = ID_ALPHABET): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const newRecordId = (): string => randomString(RECORD_ID_LENGTH);

/** PB's default collection id: `pbc_` + decimal CRC-32 of type + name (`auth_superusers` → pbc_3142635823). */
export const collectionIdFor = (type: string, name: string): string => `pbc_${crc32(type + name)}`;

/** PB's default field id: the type + decimal CRC-32 of the name (`text3208210256` for `id`). */
export const fieldIdFor = (type: string, name: string): string => `${type}${crc32(name)}`;

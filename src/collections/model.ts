// The shapes of collections and fields, as PocketBase puts them on the wire (API.md §3).

export type CollectionType = 'base' | 'auth' | 'view';

export type FieldType =
  | 'text' | 'editor' | 'number' | 'bool' | 'email' | 'url' | 'date' | 'autodate'
  | 'select' | 'json' | 'relation' | 'file' | 'password' | 'geoPoint';

export const FIELD_TYPES: readonly FieldType[] = [
  'text', 'editor', 'number', 'bool', 'email', 'url', 'date', 'autodate',
  'select', 'json', 'relation', 'file', 'password', 'geoPoint',
];

interface FieldCommon {
  readonly id: string;
  readonly name: string;
  readonly system: boolean;
  readonly hidden: boolean;
  readonly presentable: boolean;
  readonly required: boolean;
  readonly help: string;
}

export interface TextField extends FieldCommon {
  readonly type: 'text';
  readonly min: number;
  readonly max: number;
  readonly pattern: string;
  readonly autogeneratePattern: string;
  readonly primaryKey: boolean;
}
export interface EditorField extends FieldCommon { readonly type: 'editor'; readonly maxSize: number; readonly convertURLs: boolean }
export interface NumberField extends FieldCommon {
  readonly type: 'number';
  readonly min: number | null;
  readonly max: number | null;
  readonly onlyInt: boolean;
}
export interface BoolField extends FieldCommon { readonly type: 'bool' }
export interface EmailField extends FieldCommon {
  readonly type: 'email';
  readonly onlyDomains: readonly string[];
  readonly exceptDomains: readonly string[];
}
export interface UrlField extends FieldCommon {
  readonly type: 'url';
  readonly onlyDomains: readonly string[];
  readonly exceptDomains: readonly string[];
}
export interface DateField extends FieldCommon { readonly type: 'date'; readonly min: string; readonly max: string }
export interface AutodateField extends FieldCommon { readonly type: 'autodate'; readonly onCreate: boolean; readonly onUpdate: boolean }
export interface SelectField extends FieldCommon { readonly type: 'select'; readonly values: readonly string[]; readonly maxSelect: number }
export interface JsonField extends FieldCommon { readonly type: 'json'; readonly maxSize: number }
export interface RelationField extends FieldCommon {
  readonly type: 'relation';
  readonly collectionId: string;
  readonly cascadeDelete: boolean;
  readonly minSelect: number;
  readonly maxSelect: number;
}
export interface FileField extends FieldCommon {
  readonly type: 'file';
  readonly maxSize: number;
  readonly maxSelect: number;
  readonly mimeTypes: readonly string[];
  readonly thumbs: readonly string[];
  readonly protected: boolean;
}
export interface PasswordField extends FieldCommon {
  readonly type: 'password';
  readonly min: number;
  readonly max: number;
  readonly pattern: string;
  readonly cost: number;
  /** Mainspring's addition: refuse the 10 000 most common passwords (off by default, as PocketBase has no such check). */
  readonly rejectCommon: boolean;
}
export interface GeoPointField extends FieldCommon { readonly type: 'geoPoint' }

export type Field =
  | TextField | EditorField | NumberField | BoolField | EmailField | UrlField | DateField | AutodateField
  | SelectField | JsonField | RelationField | FileField | PasswordField | GeoPointField;

export type FieldOf<T extends FieldType> = Extract<Field, { type: T }>;

export interface TokenConfig {
  readonly duration: number;
  /** Encrypted with MS_SECRET at rest; never sent to clients. */
  readonly secret: string;
}

export interface EmailTemplate { readonly subject: string; readonly body: string }

/** Everything an auth collection adds, kept as PocketBase names it. */
export interface AuthOptions {
  readonly authRule: string | null;
  readonly manageRule: string | null;
  readonly passwordAuth: { readonly enabled: boolean; readonly identityFields: readonly string[] };
  readonly oauth2: {
    readonly enabled: boolean;
    readonly mappedFields: Readonly<Record<string, string>>;
    readonly providers: readonly Readonly<Record<string, unknown>>[];
  };
  readonly otp: { readonly enabled: boolean; readonly duration: number; readonly length: number; readonly emailTemplate: EmailTemplate };
  readonly mfa: { readonly enabled: boolean; readonly duration: number; readonly rule: string };
  readonly authAlert: { readonly enabled: boolean; readonly emailTemplate: EmailTemplate };
  readonly authToken: TokenConfig & { readonly idleTimeout: number; readonly maxAge: number };
  readonly fileToken: TokenConfig;
  readonly verificationToken: TokenConfig;
  readonly passwordResetToken: TokenConfig;
  readonly emailChangeToken: TokenConfig;
  readonly verificationTemplate: EmailTemplate;
  readonly resetPasswordTemplate: EmailTemplate;
  readonly confirmEmailChangeTemplate: EmailTemplate;
}

export type TokenKind = 'authToken' | 'fileToken' | 'verificationToken' | 'passwordResetToken' | 'emailChangeToken';
export const TOKEN_KINDS: readonly TokenKind[] = ['authToken', 'fileToken', 'verificationToken', 'passwordResetToken', 'emailChangeToken'];

export interface Rules {
  readonly listRule: string | null;
  readonly viewRule: string | null;
  readonly createRule: string | null;
  readonly updateRule: string | null;
  readonly deleteRule: string | null;
}

export interface Collection extends Rules {
  readonly id: string;
  readonly name: string;
  readonly type: CollectionType;
  readonly system: boolean;
  readonly fields: readonly Field[];
  readonly indexes: readonly string[];
  readonly viewQuery: string;
  readonly auth: AuthOptions | null;
  readonly created: string;
  readonly updated: string;
}

export const isAuthCollection = (c: Collection): c is Collection & { auth: AuthOptions } => c.type === 'auth' && c.auth !== null;

// Who is calling: the authenticated record and its session, shared by every module's routes.

export interface AuthState {
  readonly collectionId: string;
  readonly collectionName: string;
  /** The record as stored (API values), including hidden fields; never sent as is. */
  readonly record: Readonly<Record<string, unknown>> & { readonly id: string };
  readonly sessionId: string;
  readonly isSuperuser: boolean;
  /** The raw token, so that refresh can return it unchanged when it is not refreshable. */
  readonly token: string;
  readonly refreshable: boolean;
}

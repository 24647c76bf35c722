// The custom LSP requests between the VS Code client (or any LSP client that opts in) and the
// server's registry session. Typed once here and imported by both sides, so a change to a
// request's shape is a compile error on whichever side was not updated.
//
// Conventions: request names are `fluxOci/<verb>`; references are `oci://host/repo[:tag|@digest]`
// strings; errors are LSP ResponseErrors whose message is meant for the user (never holding
// credentials). Every long request accepts LSP cancellation; push reports `$/progress` through a
// work-done token.
import { RequestType, NotificationType } from 'vscode-languageserver-protocol';

// ---- credentials and trust -------------------------------------------------------------------

/** Credentials the user signed in with (kept by the client in SecretStorage, never in settings). */
export interface SignedInCredentials {
  /** Registry host as in a reference: `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  username: string;
  /** Password or personal access token. */
  secret: string;
}

/** Replaces every signed-in credential the server holds (sent on start and after each sign-in/out). */
export const SetCredentialsRequest = new RequestType<{ credentials: SignedInCredentials[] }, void, void>('fluxOci/setCredentials');

/** Whether the workspace is trusted: until it is, no registry named in workspace files is contacted. */
export const SetTrustNotification = new NotificationType<{ trusted: boolean }>('fluxOci/setTrust');

/** Sent by the server when a registry answers 401/403 so the client can offer to sign in (once per registry). */
export const AuthRequiredNotification = new NotificationType<{ registry: string; message: string }>('fluxOci/authRequired');

/** Checks that a registry accepts the given (or held) credentials; the message is for the user. */
export const CheckRegistryRequest = new RequestType<{ registry: string; credentials?: SignedInCredentials; insecure?: boolean }, { ok: boolean; message: string }, void>('fluxOci/checkRegistry');

// ---- shared shapes ---------------------------------------------------------------------------

export interface TagInfo {
  tag: string;
  /** Manifest digest when known (it costs a HEAD per tag, so it may arrive lazily). */
  digest?: string;
  /** `org.opencontainers.image.created` when known. */
  created?: string;
  source?: string;
  revision?: string;
}

// The custom LSP requests between the VS Code client (or any LSP client that opts in) and the
// server's registry session. Typed once here and imported by both sides, so a change to a
// request's shape is a compile error on whichever side was not updated.
//
// Conventions: request names are `fluxOci/<verb>`; references are `oci://host/repo[:tag|@digest]`
// strings; errors are LSP ResponseErrors whose message is meant for the user (never holding
// credentials). Every long request accepts LSP cancellation; push reports `$/progress` through a
// work-done token.
import { RequestType, NotificationType } from 'vscode-languageserver-protocol';
import type { WorkspaceEdit } from 'vscode-languageserver-protocol';

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

// ---- push a folder as a Flux artifact (issue 10) ---------------------------------------------

/** A lint error in a file about to be pushed (path relative to the artifact root). */
export interface PushLintProblem {
  path: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

/** A secret found in a file about to be pushed. */
export interface PushSecret {
  path: string;
  line?: number;
  reason: string;
}

export interface PreparePushParams {
  /** The folder (or single file) to push: a file: URI or an absolute path. */
  folder: string;
  /** `oci://host/repo:tag` (no tag means `latest`). */
  reference: string;
  /** Extra ignore patterns (gitignore syntax) on top of Flux's defaults and .sourceignore. */
  ignorePaths?: string[];
}

export interface PreparePushResult {
  /** Regular files the artifact will hold, and their total size. */
  files: number;
  bytes: number;
  lintErrors: PushLintProblem[];
  lintWarnings: number;
  secrets: PushSecret[];
  /** The digest the tag points at now, when it exists. */
  existingDigest?: string;
  /**
   * Kustomizations of the workspace that apply from this folder's artifact (their OCIRepository
   * syncs the repository pushed to): the push dialog offers the diff of what they apply.
   */
  syncedBy?: Array<{ uri: string; documentIndex: number; name: string }>;
}

/** Checks a folder before a push (empty folder → error response) and reads what the tag points at. */
export const PreparePushRequest = new RequestType<PreparePushParams, PreparePushResult, void>('fluxOci/preparePush');

export interface PushParams extends PreparePushParams {
  /** Work-done token: `$/progress` reports files packed, then bytes uploaded. */
  workDoneToken?: string | number;
  source?: string;
  revision?: string;
  annotations?: Record<string, string>;
  reproducible?: boolean;
  /** The user chose "Push anyway" over lint errors (secrets always stop a push). */
  allowLintErrors?: boolean;
  /** The digest the user agreed to replace under the tag; a tag pointing elsewhere is refused. */
  overwriteDigest?: string;
}

export interface PushResultInfo {
  /** `oci://host/repo@sha256:…` (what Flux's `-o json` calls url). */
  url: string;
  /** `host/repo`. */
  repository: string;
  tag: string;
  digest: string;
  files: number;
  /** Compressed size of the layer in bytes. */
  layerSize: number;
  /** The digest the tag pointed at before, when it was replaced. */
  replaced?: string;
  /** The tag already pointed at this very artifact. */
  unchanged: boolean;
}

/**
 * Pushes in the server's registry session. Checks run again on the server; the request fails
 * (message for the user) on secrets, on lint errors unless allowed, and when the tag points at
 * a digest other than `overwriteDigest`. Cancelling it leaves the tag untouched.
 */
export const PushRequest = new RequestType<PushParams, PushResultInfo, void>('fluxOci/push');

/** An artifact the artifact map says is built from the folder being pushed (see language/artifacts). */
export interface MappedArtifact {
  /** `oci://host/repo`. */
  repository: string;
  /** The tag the map names, when it names one. */
  tag?: string;
  ignorePaths: string[];
  annotations?: Record<string, string>;
  /** Where the map learned it, in words (`from .github/workflows/publish.yaml:14`). */
  origin: string;
}

/**
 * `oci://` repository URLs of the OCIRepositories in the workspace (no tags), for the push
 * picker; with `folder`, also the artifacts the artifact map says are built from that folder.
 */
export const PushRepositoriesRequest = new RequestType<{ folder?: string }, { repositories: string[]; mapped?: MappedArtifact[] }, void>('fluxOci/pushRepositories');

/** Tags of a repository for the push picker: semver tags newest first, and the next patch. */
export const PushTagSuggestionsRequest = new RequestType<{ repository: string }, { newest?: string; nextPatch?: string; tags: string[] }, void>('fluxOci/pushTagSuggestions');

// ---- registry explorer, artifact preview and diff --------------------------------------------
// Registries → repositories → tags → the files of an artifact, read through the server's one
// registry session and its one safe extractor. Problems a tree should show as a node (401,
// unreachable) come back as `problem`; everything else fails the request with a message.

export type RegistryProblemKind = 'auth' | 'unreachable' | 'notFound' | 'refused' | 'other';

export interface RegistryProblem {
  kind: RegistryProblemKind;
  /** For the user; never holds credentials. */
  message: string;
}

/** Where a registry or repository was found. */
export type ExplorerSource = 'settings' | 'workspace' | 'catalog';

export interface ExplorerRegistry {
  registry: string;
  sources: ExplorerSource[];
}

/**
 * `configured`: the client's `fluxOci.explorer.registries` entries, each a registry host
 * (`ghcr.io`) or a repository (`ghcr.io/org/app`, `oci://` optional).
 */
export const ListRegistriesRequest = new RequestType<{ configured: string[] }, { registries: ExplorerRegistry[] }, void>('fluxOci/listRegistries');

export interface ExplorerRepository {
  /** `oci://host/repo`. */
  repository: string;
  /** The repository path on its registry. */
  name: string;
  sources: ExplorerSource[];
  /** The workspace folders the artifact map says it is built from, in words (`./kubernetes — from .github/workflows/publish.yaml:14`). */
  builtFrom?: string[];
}

export const ListRepositoriesRequest = new RequestType<
  { registry: string; configured: string[]; refresh?: boolean },
  {
    repositories: ExplorerRepository[];
    /** Whether `/v2/_catalog` answered (many registries do not offer it). */
    catalog: 'listed' | 'unavailable';
    problem?: RegistryProblem;
  },
  void
>('fluxOci/listRepositories');

/** One page of a repository's tags, newest semver first, then the others by name. */
export const ListTagsRequest = new RequestType<
  { repository: string; offset?: number; limit?: number; refresh?: boolean },
  { tags: TagInfo[]; total: number; nextOffset?: number; problem?: RegistryProblem },
  void
>('fluxOci/listTags');

export interface ArtifactEntry {
  /** Relative POSIX path inside the artifact. */
  path: string;
  type: 'file' | 'directory';
  size: number;
}

export interface ArtifactSummary {
  /** The reference pinned to the manifest digest (`oci://host/repo[:tag]@sha256:…`). */
  reference: string;
  digest: string;
  annotations: Record<string, string>;
  layer: { mediaType: string; digest: string; size: number };
}

/** Unpacks (once, into temporary storage, within the size limit) and lists an artifact's files. */
export const ReadArtifactTreeRequest = new RequestType<{ reference: string }, ArtifactSummary & { entries: ArtifactEntry[] }, void>('fluxOci/readArtifactTree');

/** One file of an artifact, base64-encoded. */
export const ReadArtifactFileRequest = new RequestType<{ reference: string; path: string }, { base64: string; size: number }, void>('fluxOci/readArtifactFile');

/** What pushing `folder` would change in the artifact (the engine of `flux-oci diff`). */
export const CompareWithFolderRequest = new RequestType<
  { reference: string; folder: string; ignorePaths?: string[] },
  { reference: string; digest: string; added: string[]; removed: string[]; changed: string[]; unchanged: number },
  void
>('fluxOci/compareWithFolder');

export const AddTagRequest = new RequestType<{ reference: string; tag: string }, { reference: string; digest: string }, void>('fluxOci/addTag');

/**
 * Deletes a tag. `manifest: true` deletes the manifest it points at instead (every tag on it
 * goes too); without it, registries that cannot delete a tag alone fail with `data.kind:
 * 'tagDeleteUnsupported'`.
 */
export const DeleteTagRequest = new RequestType<{ reference: string; manifest?: boolean }, { deleted: 'tag' | 'manifest'; digest?: string }, void>('fluxOci/deleteTag');

/** Pulls an artifact into a folder through the safe extractor. */
export const PullToFolderRequest = new RequestType<{ reference: string; folder: string }, { reference: string; digest: string; files: number }, void>('fluxOci/pullToFolder');

/**
 * The edit that pins every OCIRepository of the workspace whose url is the reference's
 * repository to its digest (`spec.ref` becomes `digest: …`; tag and semver go, since Flux
 * would ignore them). `objects` names what the edit touches (empty: none uses the repository).
 */
export const PinDigestEditRequest = new RequestType<
  { reference: string },
  { edit: WorkspaceEdit; objects: { uri: string; name: string; namespace?: string }[]; digest: string },
  void
>('fluxOci/pinDigestEdit');

/** A complete OCIRepository + Kustomization pair for an artifact, as YAML text. */
export const OciRepositoryTemplateRequest = new RequestType<{ reference: string }, { text: string }, void>('fluxOci/ociRepositoryTemplate');

/** Sent by the server when the registries/repositories found in the workspace change (refresh the tree). */
export const ExplorerChangedNotification = new NotificationType<{ registries: string[] }>('fluxOci/explorerChanged');

// ---- local versus published -------------------------------------------------------------------

/** Is what a registry holds at a tag the same as the folder the artifact map says it is built from? */
export interface PublishedArtifactStatus {
  /** `oci://host/repo`. */
  url: string;
  tag: string;
  /** The folder relative to its workspace folder, and as a file URI. */
  folder: string;
  folderUri: string;
  origin: string;
  state: 'same' | 'different' | 'not-pushed' | 'not-checked' | 'error';
  digest?: string;
  created?: string;
  revision?: string;
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: number;
  message?: string;
  /** The status in words: `kubernetes: 3 files differ from oci://…:main, pushed 2 h ago from 1a2b3c4`. */
  summary: string;
}

/**
 * Each mapped artifact (at its own tag, or at each tag the workspace syncs) compared with its
 * folder in the server's registry session. Empty in an untrusted workspace.
 */
export const ArtifactStatusRequest = new RequestType<Record<string, never>, { artifacts: PublishedArtifactStatus[] }, void>('fluxOci/artifactStatus');

/** The URI scheme of rendered documents, and the commands the render code lenses carry ([uri, documentIndex, name]). */
export const RENDER_SCHEME = 'flux-render';
export const SHOW_RENDERED_COMMAND = 'fluxOci.showRendered';
export const COMPARE_RENDERED_COMMAND = 'fluxOci.compareRendered';

/** What Flux applies for a Kustomization (the document `documentIndex` of `uri`), rendered offline. */
export interface RenderKustomizationResult {
  /** The rendered objects as YAML, after comment lines saying where they came from. */
  content?: string;
  objects?: number;
  /** Variables referenced with no value and no default. */
  missing?: string[];
  /** Why there is nothing to show (no kustomize, source not here, the build fails as in Flux). */
  error?: string;
}
/**
 * `published`: render the artifact the Kustomization's OCIRepository syncs now instead of the local
 * folder (for the diff of what a push would change).
 */
export const RenderKustomizationRequest = new RequestType<{ uri: string; documentIndex: number; published?: boolean }, RenderKustomizationResult, void>('fluxOci/renderKustomization');

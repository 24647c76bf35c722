// The registry explorer: registries → repositories → tags → the artifact's folders and files.
// Every node's data comes from the language server's registry session; a registry that wants
// credentials or cannot be reached becomes a node of its own while the rest keeps working.
import * as vscode from 'vscode';
import type { FluxLanguageClient } from '../languageClient';
import {
  ListRegistriesRequest, ListRepositoriesRequest, ListTagsRequest, ReadArtifactTreeRequest,
  type ArtifactEntry, type RegistryProblem, type TagInfo,
} from '../../../server/src/protocol';
import { artifactFileUri } from './artifactFileSystem';

export type ExplorerNode =
  | { kind: 'registry'; registry: string; sources: string[] }
  | { kind: 'repository'; registry: string; repository: string; name: string; builtFrom?: string[] }
  | { kind: 'tag'; repository: string; tag: TagInfo }
  | { kind: 'more'; repository: string; offset: number; total: number }
  | { kind: 'entry'; reference: string; entry: ArtifactEntry; children: ArtifactEntry[] }
  | { kind: 'problem'; registry?: string; problem: RegistryProblem }
  | { kind: 'message'; text: string };

const PAGE = 100;

/** The `fluxOci.explorer.registries` setting. */
export function configuredRegistries(): string[] {
  const value = vscode.workspace.getConfiguration('fluxOci').get<unknown>('explorer.registries');
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

export const tagReference = (node: { repository: string; tag: TagInfo }): string => `${node.repository}:${node.tag.tag}`;
export const digestReference = (node: { repository: string; tag: TagInfo }): string | undefined => (node.tag.digest ? `${node.repository}@${node.tag.digest}` : undefined);

export class RegistryExplorer implements vscode.TreeDataProvider<ExplorerNode> {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Tags loaded so far per repository (grows with "Load more…"). */
  private readonly tags = new Map<string, { rows: TagInfo[]; next?: number; total: number; problem?: RegistryProblem }>();

  constructor(private readonly client: FluxLanguageClient) {}

  /** Asks for the tree again; `reload` false keeps the tag pages already loaded (no flicker). */
  refresh(node?: ExplorerNode, reload = true): void {
    if (!node) {
      if (reload) this.tags.clear();
    } else if (node.kind === 'repository') this.tags.delete(node.repository);
    this.changeEmitter.fire(node);
  }

  async loadMore(node: Extract<ExplorerNode, { kind: 'more' }>): Promise<void> {
    const known = this.tags.get(node.repository);
    if (!known || known.next === undefined) return;
    const page = await this.client.request(ListTagsRequest, { repository: node.repository, offset: known.next, limit: PAGE });
    known.rows.push(...page.tags);
    known.next = page.nextOffset;
    known.total = page.total;
    this.changeEmitter.fire(undefined);
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'registry': {
        const item = new vscode.TreeItem(node.registry, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('server');
        item.contextValue = 'fluxOci.registry';
        item.description = node.sources.includes('settings') ? undefined : 'from workspace';
        item.id = `registry:${node.registry}`;
        return item;
      }
      case 'repository': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('repo');
        item.contextValue = 'fluxOci.repository';
        item.tooltip = node.builtFrom ? `${node.repository}\nbuilt from ${node.builtFrom.join('\nbuilt from ')}` : node.repository;
        // A repository this workspace publishes: say from which folder.
        if (node.builtFrom) {
          item.description = `← ${node.builtFrom.map((b) => b.split(' — ')[0]).join(', ')}`;
          item.iconPath = new vscode.ThemeIcon('repo-push');
        }
        item.id = `repository:${node.repository}`;
        return item;
      }
      case 'tag': {
        const item = new vscode.TreeItem(node.tag.tag, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('tag');
        item.contextValue = 'fluxOci.tag';
        item.description = [node.tag.digest?.slice(7, 19), node.tag.created ? formatCreated(node.tag.created) : undefined].filter(Boolean).join(' · ');
        const tooltip = new vscode.MarkdownString(`**${tagReference(node)}**\n\n`);
        if (node.tag.digest) tooltip.appendMarkdown(`digest \`${node.tag.digest}\`\n\n`);
        if (node.tag.created) tooltip.appendMarkdown(`created ${node.tag.created}\n\n`);
        if (node.tag.source) tooltip.appendMarkdown(`source ${node.tag.source}\n\n`);
        if (node.tag.revision) tooltip.appendMarkdown(`revision \`${node.tag.revision}\``);
        item.tooltip = tooltip;
        item.id = `tag:${tagReference(node)}:${node.tag.digest ?? ''}`;
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.description = `${node.offset} of ${node.total} tags shown`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'fluxOci.explorer.loadMore', title: 'Load more…', arguments: [node] };
        item.contextValue = 'fluxOci.more';
        return item;
      }
      case 'entry': {
        const isFile = node.entry.type === 'file';
        const name = node.entry.path.split('/').pop() ?? node.entry.path;
        const item = new vscode.TreeItem(name, isFile ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
        item.resourceUri = artifactFileUri(node.reference, node.entry.path);
        item.iconPath = isFile ? vscode.ThemeIcon.File : vscode.ThemeIcon.Folder;
        item.contextValue = isFile ? 'fluxOci.artifactFile' : 'fluxOci.artifactFolder';
        if (isFile) {
          item.command = { command: 'vscode.open', title: 'Open', arguments: [item.resourceUri] };
          item.description = formatSize(node.entry.size);
        }
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.problem.kind === 'auth' ? `Sign in to ${node.registry ?? 'the registry'}…` : problemLabel(node.problem), vscode.TreeItemCollapsibleState.None);
        item.tooltip = node.problem.message;
        item.description = node.problem.kind === 'auth' ? 'the registry asks for credentials' : node.problem.message;
        item.iconPath = new vscode.ThemeIcon(node.problem.kind === 'auth' ? 'account' : 'warning');
        item.contextValue = `fluxOci.problem.${node.problem.kind}`;
        if (node.problem.kind === 'auth') item.command = { command: 'fluxOci.explorer.signIn', title: 'Sign in', arguments: [node.registry] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    try {
      return await this.children(node);
    } catch (error) {
      console.error('Flux OCI explorer:', error);
      return [{ kind: 'problem', problem: { kind: 'other', message: error instanceof Error ? error.message : String(error) } }];
    }
  }

  private async children(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (!node) {
      const { registries } = await this.client.request(ListRegistriesRequest, { configured: configuredRegistries() });
      return registries.map((r) => ({ kind: 'registry', registry: r.registry, sources: r.sources }));
    }
    switch (node.kind) {
      case 'registry': {
        const result = await this.client.request(ListRepositoriesRequest, { registry: node.registry, configured: configuredRegistries() });
        const nodes: ExplorerNode[] = result.repositories.map((r) => ({ kind: 'repository', registry: node.registry, repository: r.repository, name: r.name, ...(r.builtFrom ? { builtFrom: r.builtFrom } : {}) }));
        if (result.problem) nodes.unshift({ kind: 'problem', registry: node.registry, problem: result.problem });
        if (nodes.length === 0) nodes.push({ kind: 'message', text: 'No repositories found; add one with "Add Registry…" as host/repository' });
        return nodes;
      }
      case 'repository': {
        let known = this.tags.get(node.repository);
        if (!known) {
          const page = await this.client.request(ListTagsRequest, { repository: node.repository, offset: 0, limit: PAGE, refresh: true });
          known = { rows: [...page.tags], next: page.nextOffset, total: page.total, problem: page.problem };
          if (!page.problem) this.tags.set(node.repository, known);
        }
        if (known.problem) return [{ kind: 'problem', registry: node.registry, problem: known.problem }];
        const nodes: ExplorerNode[] = known.rows.map((tag) => ({ kind: 'tag', repository: node.repository, tag }));
        if (known.next !== undefined) nodes.push({ kind: 'more', repository: node.repository, offset: known.rows.length, total: known.total });
        if (nodes.length === 0) nodes.push({ kind: 'message', text: 'No tags' });
        return nodes;
      }
      case 'tag': {
        const reference = digestReference(node) ?? tagReference(node);
        const tree = await this.client.request(ReadArtifactTreeRequest, { reference });
        return entryChildren(tree.reference, tree.entries, '');
      }
      case 'entry':
        return entryChildren(node.reference, node.children, node.entry.path);
      default:
        return [];
    }
  }
}

/** The direct children of `folder` ('' for the root), folders first. */
function entryChildren(reference: string, entries: ArtifactEntry[], folder: string): ExplorerNode[] {
  const prefix = folder ? `${folder}/` : '';
  const direct = entries.filter((e) => e.path.startsWith(prefix) && e.path.length > prefix.length && !e.path.slice(prefix.length).includes('/'));
  direct.sort((a, b) => (a.type === b.type ? (a.path < b.path ? -1 : 1) : a.type === 'directory' ? -1 : 1));
  return direct.map((entry) => ({
    kind: 'entry',
    reference,
    entry,
    children: entry.type === 'directory' ? entries.filter((e) => e.path.startsWith(`${entry.path}/`)) : [],
  }));
}

function problemLabel(problem: RegistryProblem): string {
  switch (problem.kind) {
    case 'unreachable':
      return 'Unreachable';
    case 'notFound':
      return 'Not found';
    case 'refused':
      return 'Refused';
    default:
      return 'Error';
  }
}

function formatCreated(created: string): string {
  const date = new Date(created);
  if (Number.isNaN(date.getTime())) return created;
  if (date.getTime() === 0) return 'reproducible';
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

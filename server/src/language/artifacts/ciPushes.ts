// Artifact pushes written down in CI and build files: which folder each `flux push artifact`
// (or `flux-oci push`, or a GitHub Actions step using ControlPlane's push action) packs into
// which repository and tag, read from GitHub Actions workflows, GitLab CI files, Makefiles,
// Taskfiles and shell scripts.
//
// Real repositories build the artifact URL and the folder from variables (`env:` blocks,
// `VAR ?= …`, `${{ github.event.repository.name }}`), loops and small helper functions, so a
// plain regex over the text would miss most pushes or, worse, name a wrong folder. Instead the
// commands are read the way a shell reads them (quotes, continuations, expansions, `cd`,
// conditionals) with values tracked as far as the file itself defines them. A value the file
// cannot know (a commit SHA, a secret, a command's output) is carried as an UNKNOWN marker: an
// unknown tag means "any tag", an unknown repository or folder means no entry.
//
// Pure: no file system, no LSP. Never throws, and the work is bounded by the input's size.

import type { ArtifactMapEntry } from './types';
import { type CiFileInput, kindOf } from './ciFiles/ciFile';
import { allLines, Session } from './ciFiles/session';
import { Shell } from './ciFiles/shell';
import { assemble } from './ciFiles/assemble';
import { parseYaml } from './ciFiles/yamlNodes';
import { githubPushes } from './ciFiles/githubActions';
import { gitlabPushes } from './ciFiles/gitlabCi';
import { taskPushes } from './ciFiles/taskfile';
import { makePushes } from './ciFiles/makefile';
import { lineScan } from './ciFiles/lineScan';

export type { CiFileInput } from './ciFiles/ciFile';

/** True for files this module reads: workflows, GitLab CI files, Makefiles, Taskfiles, shell scripts. */
export function isCiFile(relativePath: string): boolean {
  return kindOf(relativePath) !== undefined;
}

/** The artifact pushes (and `flux tag artifact` copies) the file performs. Never throws. */
export function ciPushes(input: CiFileInput): ArtifactMapEntry[] {
  try {
    // Every push names one of the CLIs or its verbs (`$(FLUX) push artifact`): a file that
    // spells none of them pushes nothing, and most CI files are such files.
    if (!/flux|push artifact|tag artifact/.test(input.text)) return [];
    const s = new Session(input);
    readFile(s);
    return assemble(s);
  } catch {
    // A defect here must cost the artifact map one file, not the language server.
    return [];
  }
}

function readFile(s: Session): void {
  switch (s.kind) {
    case 'github':
    case 'gitlab':
    case 'task': {
      const doc = parseYaml(s.text);
      if (!doc) return lineScan(s);
      if (s.kind === 'github') return githubPushes(s, doc);
      if (s.kind === 'gitlab') return gitlabPushes(s, doc);
      return taskPushes(s, doc);
    }
    case 'make':
      return makePushes(s);
    case 'yaml':
      return lineScan(s);
    case 'shell': {
      const shell = new Shell(s, s.plainContext(), new Map(), s.rootWord);
      shell.runScript({ text: s.text, lines: allLines(s.text) });
      return;
    }
  }
}

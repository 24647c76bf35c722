// The product's version, read from package.json at build time (esbuild keeps only this field), so
// the CLI, the language server, the VSIX and the npm package cannot disagree.
import { version } from '../../package.json';

export const VERSION: string = version;

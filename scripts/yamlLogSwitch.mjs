// esbuild plugin for the server and CLI bundles. The yaml library's parser checks its debugging
// switch, process.env.LOG_TOKENS, for every token it reads. process.env is not a plain object:
// each read is a lookup in the process environment, and on a big file those lookups are a
// seventh of parsing it. The bundles read the switch once, when the parser module loads
// (setting LOG_TOKENS before starting the process still turns the token log on).
import { readFile } from 'node:fs/promises';

const CHECK = 'node_process.env.LOG_TOKENS';

export const yamlLogSwitchOnce = {
  name: 'yaml-log-switch-once',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]yaml[\\/]dist[\\/]parse[\\/]parser\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (text.split(CHECK).length !== 2) {
        return { contents: text, loader: 'js', warnings: [{ text: `yaml's parser no longer reads ${CHECK} once per token as expected: left as it is` }] };
      }
      return { contents: `${text.replace(CHECK, 'logTokens')}\nvar logTokens = ${CHECK};\n`, loader: 'js' };
    });
  },
};

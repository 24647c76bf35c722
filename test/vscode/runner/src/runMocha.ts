// Runs the compiled suite files (out/suite/*.test.js) with mocha inside the extension host.
import * as path from 'node:path';
import * as fs from 'node:fs';
import Mocha from 'mocha';
import { budget } from '../../../timing';

export interface RunOptions {
  /** Write mocha's JSON report here (the json reporter); otherwise print with the spec reporter. */
  resultFile?: string;
  /** Only run tests whose full title matches. */
  grep?: string;
  timeoutMs?: number;
}

export function suiteFiles(): string[] {
  const dir = path.join(__dirname, 'suite');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(dir, f));
}

/** Resolves with the number of failed tests. */
export function runMocha(options: RunOptions): Promise<number> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: options.timeoutMs ?? budget(60_000),
    reporter: options.resultFile ? 'json' : 'spec',
    reporterOptions: options.resultFile ? { output: options.resultFile } : undefined,
  });
  if (options.grep) mocha.grep(options.grep);
  for (const file of suiteFiles()) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => resolve(failures));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

// Preloaded into every test file's process by scripts/test.mjs. A file whose tests have all
// finished but which leaves a handle open (a child process's pipe, a timer) would keep the run
// waiting forever; CI must end with a verdict. So a minute after the file's tests and hooks are
// done, a process still alive says why and exits with the verdict its tests gave.
//
// Node's --test-force-exit does this in the parent instead, and with several files at once it
// can drop the last results a file sent (nodejs/node#64833): tests went missing from the count
// with the run still green. Exiting from the file's own process loses nothing: by then its
// results are written, and the parent reads them to the end.
import { after } from 'node:test';

const GRACE_MS = 60_000;

after(() => {
  setTimeout(() => {
    process.stderr.write(`${process.argv[1] ?? 'a test file'}: its tests are done but open handles keep the process alive; exiting\n`);
    process.exit();
  }, GRACE_MS).unref();
});

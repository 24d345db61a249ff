// tsc keeps the sources' `./x.ts` import specifiers in the emitted .d.ts files; consumers resolve
// `./x.js` (to x.d.ts) under every module resolution, so the built declarations use that.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

function rewrite(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) rewrite(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text
        .replace(/(from\s+['"]\.{1,2}\/[^'"]*?)\.ts(['"])/g, '$1.js$2')
        .replace(/(import\(['"]\.{1,2}\/[^'"]*?)\.ts(['"]\))/g, '$1.js$2');
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
}
// The directory is dist/ unless given (tests build into a temporary one).
rewrite(process.argv[2] ? resolve(process.argv[2]) : new URL('../dist', import.meta.url).pathname);

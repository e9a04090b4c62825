#!/usr/bin/env node
// The `parley` command: runs the compiled server (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
if (!existsSync(entry)) {
  console.error('Parley is not built yet: run `npm run build` (or `npm install`) in the repository first.');
  process.exit(1);
}
await import(pathToFileURL(entry).href);

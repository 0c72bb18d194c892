#!/usr/bin/env node
// Writes tests/sandbox/rocketchat/rest_typings.json: the request schemas of the REST routes the
// collection uses, read out of Rocket.Chat's published validators (@rocket.chat/rest-typings, the
// version in package.json), with the AJV instance each is compiled with. The sandbox validates
// requests with these schemas (tests/sandbox/rocketchat/ajv.py); it holds no hand-written schema for
// a route listed in routes.json.
//
// Regenerate (node 20, from the repository root):
//     cd tools/oracles/rest-typings && npm install --no-save && node --import ./register.mjs generate.mjs
// `--check` writes nothing and exits 1 when the committed file differs from what the package gives
// (tests/contract/test_rest_typings_differential.py runs it).
import fs from 'node:fs';
import path from 'node:path';

import { INSTANCES, PACKAGES, ROOT, loadRoutes } from './lib.mjs';

const TARGET = path.join(ROOT, 'tests', 'sandbox', 'rocketchat', 'rest_typings.json');

const routes = loadRoutes();
const document = {
  generated_by: 'tools/oracles/rest-typings/generate.mjs (do not edit)',
  packages: PACKAGES,
  instances: Object.fromEntries(Object.entries(INSTANCES).map(([name, { options }]) => [name, options])),
  routes: Object.fromEntries(Object.entries(routes).map(([key, route]) => [key, Object.fromEntries(
    ['query', 'body'].filter((part) => route[part]).map((part) => {
      const { validator, instance, schema, source } = route[part];
      return [part, { validator, instance, source, schema }];
    }))])),
};
const text = `${JSON.stringify(document, null, 1)}\n`;

if (process.argv.includes('--check')) {
  const current = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(ROOT, TARGET)} differs from what the installed packages give; regenerate it`);
    process.exit(1);
  }
  console.log(`${path.relative(ROOT, TARGET)} is up to date`);
} else {
  fs.writeFileSync(TARGET, text);
  console.log(`wrote ${path.relative(ROOT, TARGET)} (${Object.keys(routes).length} routes)`);
}

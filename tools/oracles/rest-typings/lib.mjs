// What generate.mjs and oracle.mjs share: the route table (routes.json) resolved to Rocket.Chat's own
// validators, and the versions of the packages they come from.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import * as restTypings from '@rocket.chat/rest-typings';
import { ajv, ajvQuery } from '@rocket.chat/rest-typings/dist/v1/Ajv.js';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..', '..');
const require = createRequire(import.meta.url);

export function version (name) {
  const dir = path.join(HERE, 'node_modules', ...name.split('/'));
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

export const PACKAGES = Object.fromEntries(
  ['@rocket.chat/rest-typings', '@rocket.chat/core-typings', 'ajv', 'qs'].map((name) => [name, version(name)]));

// dist/v1/Ajv.js: the two instances Rocket.Chat compiles its schemas with.
export const INSTANCES = {
  ajv: { instance: ajv, options: { coerceTypes: ajv.opts.coerceTypes, allErrors: Boolean(ajv.opts.allErrors) } },
  ajvQuery: { instance: ajvQuery, options: { coerceTypes: ajvQuery.opts.coerceTypes, allErrors: Boolean(ajvQuery.opts.allErrors) } },
};

// Which instance compiled an exported validator, read from the package's own source line
// `export const <name> = ajv.compile(...)` / `ajvQuery.compile(...)`.
const DIST = path.dirname(require.resolve('@rocket.chat/rest-typings/package.json', { paths: [HERE] }));
function compiledWith (name) {
  const pattern = new RegExp(`export const ${name} = (ajvQuery|ajv)\\.compile\\(`);
  const stack = [path.join(DIST, 'dist')];
  while (stack.length) {
    const dir = stack.pop();
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(file);
      else if (entry.name.endsWith('.js')) {
        const found = fs.readFileSync(file, 'utf8').match(pattern);
        if (found) return { instance: found[1], file: path.relative(DIST, file) };
      }
    }
  }
  throw new Error(`${name}: no "export const ${name} = ajv.compile(...)" in @rocket.chat/rest-typings`);
}

// routes.json -> { "METHOD /api/v1/route": { query?: Part, body?: Part, source } } where a Part is
// { validator, instance, schema, source, fn }: `fn` is the compiled function the server calls.
export function loadRoutes () {
  const table = JSON.parse(fs.readFileSync(path.join(HERE, 'routes.json'), 'utf8'));
  const routes = {};
  for (const [key, route] of Object.entries(table.routes)) {
    const resolved = { source: route.source };
    for (const part of ['query', 'body']) {
      const spec = route[part];
      if (!spec) continue;
      if (spec.validator) {
        const fn = restTypings[spec.validator];
        if (typeof fn !== 'function' || !fn.schema) throw new Error(`${key}: ${spec.validator} is not an AJV validator of the package`);
        const where = compiledWith(spec.validator);
        resolved[part] = { validator: spec.validator, instance: where.instance, schema: fn.schema,
          source: `@rocket.chat/rest-typings ${where.file}`, fn };
      } else {
        // a schema the server compiles itself (named in `source`) with one of the package's instances
        const fn = INSTANCES[spec.instance].instance.compile(spec.schema);
        resolved[part] = { validator: null, instance: spec.instance, schema: spec.schema, source: spec.source, fn };
      }
    }
    routes[key] = resolved;
  }
  return routes;
}

#!/usr/bin/env node
// What Rocket.Chat 8.x's REST router does with a request before its handler runs, computed with the
// server's own pieces: `qs` parses the query string as packages/http-router/src/parseQueryParams.ts
// does, the body is read as Router.ts `parseBodyParams` reads it (through a web Request, as Hono's
// `request.raw` is one), and the route's validators are the compiled functions of
// @rocket.chat/rest-typings (routes.json says which route uses which).
//
// stdin: a JSON array of cases {id, route: "METHOD /api/v1/...", query: "<raw query string>",
//        body: "<raw body>" | null, contentType: "<header>" | null}
// stdout: a JSON array of {id, status: 400, reply: {...}} for a request the router refuses, or
//         {id, status: null, query: <data>, body: <data>} for one it hands to the handler (the
//         data after AJV's coercion; a non-finite number is written {"$number": "Infinity"}).
import qs from 'qs';

import { loadRoutes } from './lib.mjs';

const routes = loadRoutes();

// packages/http-router/src/parseQueryParams.ts
function parseQueryParams (query) {
  return qs.parse(query, { arrayLimit: 500, throwOnLimitExceeded: true });
}

// packages/http-router/src/Router.ts `parseBodyParams`
async function parseBodyParams (request) {
  try {
    let parsedBody = {};
    const contentType = request.headers.get('content-type');
    if (contentType?.includes('multipart/form-data')) return parsedBody;
    if (contentType?.includes('application/json')) {
      parsedBody = await request.clone().json();
    } else if (contentType?.includes('application/x-www-form-urlencoded')) {
      const form = await request.clone().formData();
      parsedBody = Object.fromEntries(form.entries());
    } else {
      parsedBody = await request.clone().text();
    }
    if (parsedBody === '') return {};
    if (Array.isArray(parsedBody)) return parsedBody;
    return { ...parsedBody };
  } catch {}
  return {};
}

function messages (fn) {
  return fn.errors?.map((error) => error.message).join('\n ');
}

async function run (testCase) {
  const route = routes[testCase.route];
  if (!route) throw new Error(`routes.json has no route ${testCase.route}`);
  const method = testCase.route.split(' ')[0];
  let query;
  try {
    query = parseQueryParams(testCase.query || '');
  } catch {
    return { id: testCase.id, status: 400, reply: { success: false, error: 'Invalid query parameters' } };
  }
  if (route.query && !route.query.fn(query)) {
    return { id: testCase.id, status: 400, reply: { success: false, errorType: 'error-invalid-params', error: messages(route.query.fn) } };
  }
  const headers = testCase.contentType == null ? {} : { 'content-type': testCase.contentType };
  const request = new Request('http://rocket.chat.invalid/', {
    method,
    headers,
    body: method === 'GET' || testCase.body == null ? undefined : Buffer.from(testCase.body, 'utf8'),
  });
  const body = await parseBodyParams(request);
  if (route.body && !route.body.fn(body)) {
    return { id: testCase.id, status: 400, reply: { success: false, errorType: 'invalid-params', error: messages(route.body.fn) } };
  }
  return { id: testCase.id, status: null, query, body };
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const testCase of JSON.parse(input)) results.push(await run(testCase));
// JSON has no Infinity or NaN (a query's "Infinity" coerces to a number): they travel as {"$number": "..."}
process.stdout.write(JSON.stringify(results, (key, value) =>
  (typeof value === 'number' && !Number.isFinite(value) ? { $number: String(value) } : value)));

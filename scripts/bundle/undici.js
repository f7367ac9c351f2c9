'use strict';
/**
 * What the collector's bundle gets for `require('undici')` (scripts/build-bundle.js aliases it
 * here): the dispatchers and the one interceptor src/ uses, without the rest of undici's index
 * (fetch, WebSocket, EventSource, the mock agents, the cache stores), which the collector never
 * calls but which cost ~8.6 MB of RSS to load (bench/RESULTS.md, idle baseline).
 *
 * Only the bundle uses this file; the published library (dist/src) imports undici itself.
 * build-bundle.js fails when src/ imports a name from undici that is not exported here.
 */
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const Agent = require('undici/lib/dispatcher/agent');
const Pool = require('undici/lib/dispatcher/pool');
const api = require('undici/lib/api');
const { getGlobalDispatcher } = require('undici/lib/global');

// undici's index gives every dispatcher its request/stream/... methods this way.
Object.assign(Dispatcher.prototype, api);

/**
 * `request(url, options)`: the dispatcher's own request() with the origin and path taken from
 * the URL, which is how src/ calls it (always with a method; a dispatcher when it has its own).
 */
function request(url, options = {}) {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const parsed = url instanceof URL ? url : new URL(url);
  return dispatcher.request({
    ...rest,
    origin: parsed.origin,
    path: `${parsed.pathname}${parsed.search}`,
    method: rest.method ?? 'GET',
  });
}

module.exports = {
  Agent,
  Dispatcher,
  Pool,
  request,
  interceptors: { redirect: require('undici/lib/interceptor/redirect') },
};

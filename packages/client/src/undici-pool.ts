import type { Pool as UndiciPool } from 'undici';
import request from 'undici/lib/api/api-request.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';

// undici's index.js gives every dispatcher its request() this way; the SDK bundles the pool without that index
// (undici-internals.d.ts says why), so it does the same here. In the tarball the prototype is this bundle's private
// copy of undici's, never the one of an undici the HIS project has itself.
Object.assign(Dispatcher.prototype, { request });

export const Pool: typeof UndiciPool = PoolClass;
export type Pool = UndiciPool;

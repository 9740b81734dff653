// undici's own modules, imported one by one so the build bundles only the pool (undici/index.js would also pull in
// fetch, WebSocket, the cache stores and mocks: three times the size). Typed by undici's public declarations of
// the same classes; the pinned version (package.json) is the one these paths were read from.
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici';

  const DispatcherClass: typeof Dispatcher;
  export default DispatcherClass;
}

declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';

  const PoolClass: typeof Pool;
  export default PoolClass;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';

  const request: Dispatcher['request'];
  export default request;
}

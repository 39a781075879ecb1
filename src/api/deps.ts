import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/open.js';

/** What the routes need from the running server. */
export type AppDeps = { store: Store; config: Config; log: Logger };

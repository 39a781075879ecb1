import type { AbuseRuntime } from '../abuse/desk.js';
import type { Config } from '../config/index.js';
import type { Enforcer } from '../enforce/service.js';
import type { Logger } from '../log.js';
import type { LiveMatcher } from '../match/live.js';
import type { InputStatus } from '../observe/pipeline/input-stats.js';
import type { Store } from '../store/open.js';

/** What the routes need from the running server. */
export type AppDeps = {
  store: Store;
  config: Config;
  /** The directory relative paths in the config resolve against: the config file's, else the working directory. */
  configDir: string;
  log: Logger;
  /** The running server's enforcer; buildApp makes one without timers when none is given. */
  enforcer?: Enforcer;
  /** The running server's observation inputs (live counters since start); absent outside `serve`. */
  observation?: { status(): InputStatus[] };
  /** The running abuse desk (intake counters, its attribution runs); absent outside `serve`. */
  abuse?: AbuseRuntime;
  /** The running server's live matcher, rebuilt after a fetch or an allowlist change; absent outside `serve`. */
  matcher?: LiveMatcher;
};

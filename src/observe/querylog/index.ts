export { bindQueryLog } from './bind-querylog.js';
export { unboundLog } from './unbound-log.js';

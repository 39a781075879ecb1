export { staticCsv } from './static-csv.js';

import { boot } from '../header.js';

boot(() => {});

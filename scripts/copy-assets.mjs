// tsc emits only .js: copy the dashboard's static page next to its compiled server.
import { copyFileSync, mkdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
mkdirSync(`${root}/dist/web`, { recursive: true });
copyFileSync(`${root}/src/web/page.html`, `${root}/dist/web/page.html`);

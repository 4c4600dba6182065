// Container entry point: the compiled CLI (dist/, from tsconfig.build.json).
// Kept as plain JS so the image needs no TypeScript loader.
import { main } from './dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

// The page's script, styles and notices, built from client/ by scripts/build-client.mjs into
// dist/client/assets.js (`pnpm build` runs it first). The path is the same from src/ and dist/.
export { chartLibrary, notices, script, scriptHash, style } from '../dist/client/assets.js';

// What scripts/build-assets.mjs builds into dist/generated/ (`pnpm build` runs it first): the
// page's script, styles and notices (from client/), and Linguist's languages. The paths are the
// same from src/ and dist/.
export { chartLibrary, notices, script, scriptHash, style } from '../dist/generated/assets.js';
export { languages as linguistLanguages, notice as linguistNotice } from '../dist/generated/linguist.js';

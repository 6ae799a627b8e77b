import { linguistNotice, notices } from './client-assets.js';

/**
 * Licence notices of the third-party code and data this package carries in its dist: the report
 * page's (Observable Plot, d3), which every report file also carries, and Linguist's languages.
 * For bundlers of the package (the gitfleet CLI appends them to its THIRD-PARTY-NOTICES.txt).
 */
export const thirdPartyNotices: string = `${notices}\n\n${'='.repeat(72)}\n\n${linguistNotice}`;

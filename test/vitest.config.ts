import { gitfleetVitest } from '@gitfleet/vitest-config';

export default gitfleetVitest(['e2e/**/*.test.ts']);

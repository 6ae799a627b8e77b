import { gitfleetVitest } from '@gitfleet/vitest-config';

export default gitfleetVitest();

export { default } from '@gitfleet/eslint-config';

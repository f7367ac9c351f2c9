/** The single executable for the end-to-end tests: see test/helpers/sea-binary.ts. */
export { BUILT_BINARY, ensureBinary } from '../../helpers/sea-binary';

// Types for every operation in src/, generated from the API's schema as
// printed by `go test ./graph -run TestContract -update` (docs/api.graphql).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../docs/api.graphql',
  documents: ['src/**/*.ts', 'src/**/*.tsx', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      config: { enumsAsTypes: true, useTypeImports: true, scalars: { Time: 'string', ID: 'string' } },
      presetConfig: { fragmentMasking: false },
    },
  },
};
export default config;

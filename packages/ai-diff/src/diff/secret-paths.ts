import picomatch from 'picomatch';

/**
 * Files that hold credentials by their nature, whatever their content: their content is never
 * sent to a model (see secret-scan.ts for credentials found by content). Matched case-insensitively
 * against the path and, for a rename or copy, the old path too.
 */
export const SECRET_PATH_GLOBS: Readonly<Record<string, readonly string[]>> = {
  'env file': ['**/.env', '**/.env.*', '**/*.env', '**/.envrc'],
  'private key': [
    '**/id_{rsa,dsa,ecdsa,ed25519,ecdsa_sk,ed25519_sk}',
    '**/*.{pem,key,ppk,p8,pkcs8}',
    '**/master.key',
  ],
  'certificate or keystore': ['**/*.{crt,cer,der,p7b,p12,pfx,jks,keystore,truststore,bks,kdbx,keychain}'],
  'cloud credentials': [
    '**/.aws/credentials',
    '**/.azure/**',
    '**/.config/gcloud/**',
    '**/application_default_credentials.json',
    '**/*service-account*.json',
    '**/*.{tfstate,tfstate.backup,tfvars}',
    '**/.s3cfg',
    '**/.boto',
    '**/.docker/config.json',
    '**/.dockercfg',
  ],
  'credentials file': ['**/.git-credentials', '**/.netrc', '**/_netrc', '**/.pgpass', '**/.my.cnf', '**/.htpasswd'],
  'package-manager credentials': [
    '**/.npmrc',
    '**/.pypirc',
    '**/.gem/credentials',
    '**/.cargo/credentials',
    '**/.cargo/credentials.toml',
    '**/.m2/settings-security.xml',
    '**/auth.json',
  ],
  kubeconfig: ['**/.kube/config', '**/kubeconfig', '**/kubeconfig.*', '**/*.kubeconfig'],
  'secrets file': [
    '**/{secret,secrets}.{yml,yaml,json,toml,ini,properties,env,txt}',
    '**/credentials.{yml,yaml,json,toml,xml,ini}',
    '**/credentials.yml.enc',
    '**/*.{secret,secrets}',
  ],
};

/** Templates that document variables without values (`.env.example`): their content is still screened. */
const TEMPLATES = ['**/.env.{example,sample,template,dist,defaults}', '**/*.env.{example,sample,template}', '**/*.{example,sample,template}.env'];

const OPTIONS = { dot: true, nocase: true };

/** Compiled on first use: the module is also loaded where no path is ever checked (the package index). */
let rules: (readonly [string, (path: string) => boolean])[] | undefined;

/** What a path looks like when its file holds credentials by nature (`env file`, `kubeconfig`...), else null. */
export function secretPathKind(path: string): string | null {
  rules ??= Object.entries(SECRET_PATH_GLOBS).map(([label, globs]) => [label, picomatch([...globs], { ...OPTIONS, ignore: TEMPLATES })] as const);
  for (const [label, match] of rules) if (match(path)) return label;
  return null;
}

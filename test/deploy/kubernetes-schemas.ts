/**
 * Kubernetes manifests checked against the Kubernetes API's schemas, as kubernetes-models (an npm
 * package generated from Kubernetes' OpenAPI spec) carries them, in two ways:
 *
 * - `validateManifests`: its JSON-schema validators (types, required fields, formats such as
 *   int32 and quantities, enums), run by test/deploy/validate-with-kubernetes-models.mjs in a
 *   process of its own (the package is ES modules only; jest runs CommonJS);
 * - `unknownFieldsOf`: fields the API does not have (a typo such as `serviceAcountName`, which
 *   the validators let through as the OpenAPI spec allows extra properties, and which
 *   `kubectl apply`'s strict field validation refuses): each manifest is type-checked as an
 *   object literal of the package's TypeScript interface, whose excess-property check names the
 *   field. One error per manifest at most (the checker stops at the first).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from '../helpers/paths';

export type KubernetesManifest = { apiVersion: string; kind: string } & Record<string, unknown>;

/** Per manifest, the validators' error messages ([] when valid). */
export function validateManifests(manifests: readonly KubernetesManifest[]): string[][] {
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'test', 'deploy', 'validate-with-kubernetes-models.mjs')], {
    input: JSON.stringify(manifests),
    cwd: REPO_ROOT,
    maxBuffer: 16 << 20,
  });
  return JSON.parse(out.toString()) as string[][];
}

/** kubernetes-models' module of a kind: `apps/v1` DaemonSet -> kubernetes-models/apps/v1/DaemonSet. */
function modelPath(manifest: KubernetesManifest): string {
  return `kubernetes-models/${manifest.apiVersion}/${manifest.kind}`;
}

/** Per manifest, the type checker's complaints ([] when every field is one the API has, of its type). */
export function unknownFieldsOf(manifests: readonly KubernetesManifest[]): string[][] {
  // A virtual module beside this file, so kubernetes-models resolves from the repository.
  const file = join(REPO_ROOT, 'test', 'deploy', '__manifests__.mts');
  const imports = manifests.map((m, i) => `import type { I${m.kind} as T${i} } from '${modelPath(m)}';`);
  const consts = manifests.map((m, i) => `export const m${i}: T${i} = ${JSON.stringify(m)};`);
  const text = `${imports.join('\n')}\n${consts.join('\n')}\n`;
  const firstConstLine = imports.length;
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const problems: string[][] = manifests.map(() => []);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) throw new Error(`type check: ${message}`);
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    if (line < firstConstLine) throw new Error(`type check: no kubernetes-models type for ${JSON.stringify(manifests[line]?.kind)}: ${message}`);
    problems[line - firstConstLine].push(message);
  }
  return problems;
}

// Validates Kubernetes manifests with kubernetes-models (JSON-schema validators generated from
// Kubernetes' OpenAPI spec: types, required fields, formats, enums), in a process of its own
// because the package is ES modules only and jest runs CommonJS.
//   stdin:  a JSON array of manifests
//   stdout: a JSON array, per manifest, of error messages ([] when valid)
import { readFileSync } from 'node:fs';

const manifests = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const manifest of manifests) {
  const group = manifest.apiVersion.includes('/') ? manifest.apiVersion : `v1`;
  let model;
  try {
    model = await import(`kubernetes-models/${group}/${manifest.kind}`);
  } catch (err) {
    results.push([`no model for ${manifest.apiVersion} ${manifest.kind}: ${err.message}`]);
    continue;
  }
  try {
    new model[manifest.kind](manifest).validate();
    results.push([]);
  } catch (err) {
    results.push([err.message]);
  }
}
process.stdout.write(JSON.stringify(results));

// Module customization hooks for probe.mjs: records every URL the ES module loader resolves, and
// hands the list back as the module 'probe-hooks:resolved'.
const resolved = [];

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'probe-hooks:resolved') return { url: specifier, shortCircuit: true };
  const result = await nextResolve(specifier, context);
  resolved.push(result.url);
  return result;
}

export async function load(url, context, nextLoad) {
  if (url === 'probe-hooks:resolved') {
    return { format: 'module', source: `export default ${JSON.stringify(resolved)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}

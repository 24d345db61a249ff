// Build-time WGSL minification for the library build (vite.config.ts): the shaders' `//` comments, blank
// lines and indentation go, in the shaders/*.wgsl files imported with `?raw` and in the template literals
// marked `/* wgsl */` in src/. The comments explain the numerics to a reader of the sources; a bundle only
// carries them (issue 18: `import { wgslFunctions }` fits 8 KB gzipped with them gone).
import { readFileSync } from 'node:fs';

/**
 * WGSL without its line comments, blank lines and leading whitespace. A line comment that holds `${` is
 * kept (it may be part of a template literal's interpolation).
 * @param {string} text
 */
export function stripWgsl(text) {
  return text
    .split('\n')
    .map((line) => {
      const comment = line.indexOf('//');
      const code = comment >= 0 && !line.slice(comment).includes('${') ? line.slice(0, comment) : line;
      return code.trim();
    })
    .filter((line) => line.length > 0)
    .join('\n');
}

/** The Vite plugin: `.wgsl?raw` imports and `/* wgsl *\/` template literals of .ts sources, stripped. */
export function stripWgslPlugin() {
  return {
    name: 'webgpu-activations:strip-wgsl',
    enforce: 'pre',
    /** @param {string} id */
    load(id) {
      if (!id.endsWith('.wgsl?raw')) return null;
      return `export default ${JSON.stringify(stripWgsl(readFileSync(id.slice(0, -'?raw'.length), 'utf8')))};`;
    },
    /** @param {string} code @param {string} id */
    transform(code, id) {
      if (!id.endsWith('.ts') || !code.includes('/* wgsl */')) return null;
      return { code: code.replace(/\/\* wgsl \*\/ `([^`]*)`/g, (_, body) => `/* wgsl */ \`${stripWgsl(body)}\``), map: null };
    },
  };
}

// Build-time WGSL minification for the library build (vite.config.ts): the shaders' `//` comments, blank
// lines and indentation go, in the shaders/*.wgsl files imported with `?raw` and in the template literals
// marked `/* wgsl */` in src/. The comments explain the numerics to a reader of the sources; a bundle only
// carries them (issue 18: `import { wgslFunctions }` fits 8 KB gzipped with them gone).
import { readFileSync } from 'node:fs';

/**
 * WGSL without its line comments, blank lines, leading whitespace and the spaces next to punctuation. A line comment that holds `${` is
 * kept (it may be part of a template literal's interpolation).
 * @param {string} text
 */
export function stripWgsl(text) {
  return text
    .split('\n')
    .map((line) => {
      const comment = line.indexOf('//');
      const code = comment >= 0 && !/\$\{|\uE000/.test(line.slice(comment)) ? line.slice(0, comment) : line;
      // spaces next to a comma, parenthesis, brace or semicolon carry nothing in WGSL (no strings; no
      // token can run into one of these)
      return code.trim().replace(/\s*([(){},;])\s*/g, '$1');
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
      return { code: stripWgslTemplates(code), map: null };
    },
  };
}

const MARKER = '/* wgsl */ `';

/**
 * Every template literal marked `/* wgsl *\/` in `code`, stripped. The literal's end is found past its
 * `${...}` placeholders, nested template literals included (gelu's coefficients are written by a
 * `.map(...)` of templates: a scan to the first backtick left the rest of its WGSL, comments and all,
 * in the bundle). Each placeholder is left as written; the text around it is stripped as one WGSL text.
 * @param {string} code
 */
export function stripWgslTemplates(code) {
  let result = '';
  let from = 0;
  for (let start = code.indexOf(MARKER); start >= 0; start = code.indexOf(MARKER, from)) {
    const bodyStart = start + MARKER.length;
    const placeholders = [];
    let text = '';
    let i = bodyStart;
    while (code[i] !== '`') {
      if (i >= code.length) throw new Error('strip-wgsl: an unterminated /* wgsl */ template literal');
      if (code[i] === '\\') {
        text += code.slice(i, i + 2);
        i += 2;
      } else if (code.startsWith('${', i)) {
        const end = skipPlaceholder(code, i + 2);
        text += `\uE000${placeholders.length}\uE000`;
        placeholders.push(code.slice(i, end));
        i = end;
      } else {
        text += code[i];
        i += 1;
      }
    }
    const stripped = stripWgsl(text).replace(/\uE000(\d+)\uE000/g, (_, k) => placeholders[Number(k)]);
    result += `${code.slice(from, bodyStart)}${stripped}\``;
    from = i + 1;
  }
  return result + code.slice(from);
}

/** The index just past the `}` that closes a placeholder whose code starts at `i`. */
function skipPlaceholder(code, i) {
  let depth = 0;
  while (i < code.length) {
    const c = code[i];
    if (c === '}' && depth === 0) return i + 1;
    if (c === '{') depth += 1;
    else if (c === '}') depth -= 1;
    else if (c === "'" || c === '"') i = skipQuoted(code, i, c) - 1;
    else if (c === '`') i = skipTemplate(code, i + 1) - 1;
    i += 1;
  }
  throw new Error('strip-wgsl: an unterminated ${ placeholder');
}

/** The index just past a '...' or "..." string starting at `i`. */
function skipQuoted(code, i, quote) {
  for (let j = i + 1; j < code.length; j++) {
    if (code[j] === '\\') j += 1;
    else if (code[j] === quote) return j + 1;
  }
  throw new Error('strip-wgsl: an unterminated string');
}

/** The index just past a nested template literal whose text starts at `i`. */
function skipTemplate(code, i) {
  while (i < code.length) {
    if (code[i] === '\\') i += 2;
    else if (code[i] === '`') return i + 1;
    else if (code.startsWith('${', i)) i = skipPlaceholder(code, i + 2);
    else i += 1;
  }
  throw new Error('strip-wgsl: an unterminated template literal');
}

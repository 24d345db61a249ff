// Finds a Chromium with WebGPU for the tests and the headless benchmark, in this order:
//   1. the WEBGPU_ACTIVATIONS_CHROMIUM environment variable (a path to a Chromium or Chrome binary),
//   2. Playwright's own Chromium, if `npx playwright install chromium` has been run,
//   3. Debian's /usr/bin/chromium (SwiftShader gives it a real WebGPU adapter on the CPU).
// Run as a script with --ensure, it installs Debian's chromium when none is found and it may (root + apt-get).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ENV_VARIABLE = 'WEBGPU_ACTIVATIONS_CHROMIUM';

/** Flags every launch needs: WebGPU on, no sandbox (root in containers), no background network (closed network). */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const MISSING_BROWSER_MESSAGE = [
  'webgpu-activations: no Chromium with WebGPU was found.',
  `  Looked for: $${ENV_VARIABLE}, Playwright's Chromium, /usr/bin/chromium.`,
  '  Install one of:',
  '    npx playwright install chromium          (Playwright downloads its own Chromium)',
  '    apt-get install chromium                 (Debian/Ubuntu; SwiftShader gives WebGPU without a GPU)',
  `  or point ${ENV_VARIABLE} at a Chromium or Chrome binary.`,
].join('\n');

async function playwrightChromium() {
  try {
    const { chromium } = await import('playwright');
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** @returns {Promise<string | undefined>} the browser binary to launch, or undefined when there is none. */
export async function findBrowser() {
  const fromEnvironment = process.env[ENV_VARIABLE];
  if (fromEnvironment) {
    if (!existsSync(fromEnvironment)) {
      throw new Error(`${ENV_VARIABLE}=${fromEnvironment} does not exist.\n${MISSING_BROWSER_MESSAGE}`);
    }
    return fromEnvironment;
  }
  const fromPlaywright = await playwrightChromium();
  if (fromPlaywright) return fromPlaywright;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

/** @returns {Promise<string>} the browser binary; throws with install instructions when there is none. */
export async function requireBrowser() {
  const found = await findBrowser();
  if (!found) throw new Error(MISSING_BROWSER_MESSAGE);
  return found;
}

/** Whether this process can install Debian packages: Linux, root, apt-get on the PATH (used by dawn.mjs too). */
export function canInstallWithApt() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Finds a Chromium, installing Debian's when none is found and it may (root + apt-get); exits 1 otherwise. */
export async function ensureBrowser() {
  const found = await findBrowser();
  if (found) return found;
  if (!canInstallWithApt()) {
    console.error(MISSING_BROWSER_MESSAGE);
    process.exit(1);
  }
  console.error('webgpu-activations: no Chromium found; installing Debian chromium (apt-get install -y chromium) ...');
  const environment = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env: environment });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env: environment });
  return requireBrowser();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--ensure')) {
    const path = await ensureBrowser();
    console.error(`webgpu-activations: using Chromium at ${path}`);
  } else {
    console.log((await findBrowser()) ?? MISSING_BROWSER_MESSAGE);
  }
}

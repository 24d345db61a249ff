// What Dawn (the `webgpu` package, WebGPU for Node) needs on Linux, found or explained: the Vulkan loader
// (libvulkan.so.1, Debian's libvulkan1) and a Vulkan driver (an ICD manifest: NVIDIA's driver installs
// one in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d; Chromium ships SwiftShader's next to its binary).
//   node scripts/dawn.mjs                prints what was found; exits 1 when the loader or a driver is missing
//   node scripts/dawn.mjs --ensure       installs libvulkan1 when the loader is missing and it may (root + apt-get)
//   node scripts/dawn.mjs --swiftshader  prints the SwiftShader driver manifest of the Chromium found
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canInstallWithApt } from './browser.mjs';

const LOADER_DIRECTORIES = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib64',
];
/**
 * Dawn (and the Vulkan loader under it) prints "error: XDG_RUNTIME_DIR is invalid or not set in the
 * environment." once per device where the variable is unset (a container, a CI runner, ssh without a
 * login session): dozens of lines that bury the test output. Where it is unset, this gives the process
 * (and the workers it starts, which inherit it) a private runtime directory, mode 0700 as the XDG spec
 * asks. A value already set is left alone. Called where the project starts Dawn: vite.config.ts for
 * the tests, scripts/bench.mjs for the benchmark.
 * @returns {string} the directory in use
 */
export function ensureRuntimeDirectory() {
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'webgpu-activations-runtime-'));
  return process.env.XDG_RUNTIME_DIR;
}

/** Where the Vulkan loader looks for driver manifests when neither variable is set. */
export const ICD_DIRECTORIES = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

/** @returns {string | undefined} the Vulkan loader library, when one is installed. */
export function findVulkanLoader() {
  if (process.platform !== 'linux') return undefined;
  try {
    const listed = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const match = /libvulkan\.so\.1 .*=> (\S+)/.exec(listed);
    if (match?.[1]) return match[1];
  } catch {
    // no ldconfig on PATH: look in the usual directories
  }
  return LOADER_DIRECTORIES.map((directory) => join(directory, 'libvulkan.so.1')).find((path) => existsSync(path));
}

/**
 * The driver manifests the loader will read: those named by VK_ICD_FILENAMES or VK_DRIVER_FILES (with
 * whether each exists), else every manifest in the default directories.
 * @returns {{ variable: string | undefined, files: { path: string, exists: boolean }[] }}
 */
export function findVulkanDrivers() {
  for (const variable of ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES']) {
    const value = process.env[variable];
    if (value)
      return {
        variable,
        files: value
          .split(':')
          .filter(Boolean)
          .map((path) => ({ path, exists: existsSync(path) })),
      };
  }
  const files = ICD_DIRECTORIES.flatMap((directory) => {
    try {
      return readdirSync(directory)
        .filter((name) => name.endsWith('.json'))
        .map((name) => ({ path: join(directory, name), exists: true }));
    } catch {
      return [];
    }
  });
  return { variable: undefined, files };
}

/**
 * SwiftShader's Vulkan driver (a CPU implementation Dawn accepts) shipped with a Chromium build.
 * @param {string | undefined} browser the Chromium binary, when one was found
 * @returns {string | undefined}
 */
export function findSwiftShaderDriver(browser) {
  const candidates = [browser && join(dirname(browser), 'vk_swiftshader_icd.json'), '/usr/lib/chromium/vk_swiftshader_icd.json'];
  return candidates.find((path) => path !== undefined && existsSync(path));
}

/** How to point Dawn at a driver: the README's words, for messages. */
export const DRIVER_HELP = [
  '  Dawn reaches the GPU through Vulkan on Linux: it needs the Vulkan loader (apt-get install libvulkan1)',
  '  and a Vulkan driver. NVIDIA: the driver package installs nvidia_icd.json in /usr/share/vulkan/icd.d',
  '  or /etc/vulkan/icd.d (Debian/Ubuntu: the libnvidia-gl-<version> package, or the .run installer).',
  '  Point Dawn at a driver with VK_ICD_FILENAMES=/path/to/icd.json (VK_DRIVER_FILES on Vulkan loader 1.3.234+),',
  "  e.g. VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/nvidia_icd.json, or Chromium's SwiftShader (CPU):",
  '  VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.',
].join('\n');

/**
 * What is missing for Dawn, in words, or undefined when the loader and a driver manifest are there
 * (whether the driver works is for Dawn to say).
 * @returns {string | undefined}
 */
export function describeMissingVulkan() {
  if (process.platform !== 'linux') return undefined;
  const problems = [];
  if (!findVulkanLoader()) problems.push('the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: apt-get install libvulkan1)');
  const drivers = findVulkanDrivers();
  if (drivers.variable) {
    for (const file of drivers.files.filter((file) => !file.exists))
      problems.push(`${drivers.variable} names ${file.path}, which does not exist`);
  } else if (drivers.files.length === 0) {
    problems.push(
      `no Vulkan driver manifest: VK_ICD_FILENAMES and VK_DRIVER_FILES are unset and ${ICD_DIRECTORIES.join(', ')} hold no .json`,
    );
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** Installs libvulkan1 when the loader is missing (as root with apt-get); throws with what to do otherwise. */
export function ensureVulkanLoader() {
  if (process.platform !== 'linux' || findVulkanLoader()) return;
  if (!canInstallWithApt()) throw new Error(`webgpu-activations: the Vulkan loader libvulkan.so.1 is missing.\n${DRIVER_HELP}`);
  console.error('webgpu-activations: no Vulkan loader found; installing Debian libvulkan1 (apt-get install -y libvulkan1) ...');
  const environment = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env: environment });
  execFileSync('apt-get', ['install', '-y', '-qq', 'libvulkan1'], { stdio: ['ignore', 'ignore', 'inherit'], env: environment });
  if (!findVulkanLoader()) throw new Error('webgpu-activations: apt-get installed libvulkan1, but libvulkan.so.1 is still not found');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv.includes('--swiftshader')) {
      // The SwiftShader driver of the Chromium the tests use (CI exports it as VK_ICD_FILENAMES).
      const { findBrowser } = await import('./browser.mjs');
      const driver = findSwiftShaderDriver(await findBrowser());
      if (!driver) throw new Error('webgpu-activations: no SwiftShader Vulkan driver (vk_swiftshader_icd.json) next to a Chromium');
      console.log(driver);
    } else {
      if (process.argv.includes('--ensure')) ensureVulkanLoader();
      const drivers = findVulkanDrivers();
      const listed = drivers.files.map((file) => file.path + (file.exists ? '' : ' (missing)')).join(', ');
      console.error(
        `webgpu-activations: Vulkan loader ${findVulkanLoader() ?? 'missing'}; drivers (${drivers.variable ?? 'default directories'}): ${listed || 'none'}`,
      );
      const missing = describeMissingVulkan();
      if (missing && !process.argv.includes('--ensure')) {
        console.error(`webgpu-activations: ${missing}\n${DRIVER_HELP}`);
        process.exitCode = 1;
      }
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

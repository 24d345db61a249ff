import { it } from 'vitest';
import { createActivations } from 'webgpu-activations';
import { checkSeedCases } from '../support/seed-cases.ts';

it('reproduces the shared seed cases in Node (no WebGPU: the auto engine runs on the CPU)', async () => {
  const act = await createActivations();
  try {
    await checkSeedCases(act, `node ${act.backend}`);
  } finally {
    act.destroy();
  }
});
